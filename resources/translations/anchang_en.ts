<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
<context>
    <name>AdminClockDialog</name>
    <message>
        <source>管理员确认本机时钟</source>
        <translation>Administrator confirms this PC&apos;s clock</translation>
    </message>
    <message>
        <source>请管理员核对本机时间无误后，输入管理员账号和密码，接受本机时钟。</source>
        <translation>An administrator checks that this PC&apos;s time is right, then enters an administrator account and password to accept this PC&apos;s clock.</translation>
    </message>
    <message>
        <source>管理员</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>接受本机时钟</source>
        <translation>Accept this PC&apos;s clock</translation>
    </message>
    <message>
        <source>请输入管理员账号和密码</source>
        <translation>Enter an administrator account and password</translation>
    </message>
</context>
<context>
    <name>AdminPage</name>
    <message>
        <source>管理员密码</source>
        <translation>Administrator password</translation>
    </message>
    <message>
        <source>管理员登录名为 admin。密码至少 %1 位，须含字母、数字、符号中的两种。</source>
        <translation>The administrator logs in as admin. The password needs at least %1 characters of two kinds: letters, digits, symbols.</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>再输入一次</source>
        <translation>Again</translation>
    </message>
    <message>
        <source>密码太短：至少 %1 位</source>
        <translation>Too short: at least %1 characters</translation>
    </message>
    <message>
        <source>密码太简单：须含字母、数字、符号中的两种，且不能是重复的字符</source>
        <translation>Too simple: use two kinds of letters, digits and symbols, not the same few characters repeated</translation>
    </message>
    <message>
        <source>两次输入的密码不一致</source>
        <translation>The two entries differ</translation>
    </message>
</context>
<context>
    <name>AppointmentCodeCard</name>
    <message>
        <source>请选择一条预约，或新建预约</source>
        <translation>Choose an appointment, or create a new one</translation>
    </message>
    <message>
        <source>把二维码发给来访人，到访时对准入口登记屏即可</source>
        <translation>Send the QR code to the visitor; on arrival they hold it up to the check-in screen at the entrance</translation>
    </message>
    <message>
        <source>保存图片</source>
        <translation>Save image</translation>
    </message>
    <message>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>置业顾问 %1</source>
        <translation>Consultant %1</translation>
    </message>
    <message>
        <source>保存预约二维码</source>
        <translation>Save appointment QR code</translation>
    </message>
    <message>
        <source>PNG 图片 (*.png)</source>
        <translation>PNG image (*.png)</translation>
    </message>
    <message>
        <source>二维码已保存：%1</source>
        <translation>QR code saved: %1</translation>
    </message>
    <message>
        <source>已发送到打印机</source>
        <translation>Sent to the printer</translation>
    </message>
    <message>
        <source>未找到打印机，保存为 PDF</source>
        <translation>No printer found; saving as PDF</translation>
    </message>
    <message>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF file (*.pdf)</translation>
    </message>
    <message>
        <source>预约单已保存为 PDF：%1</source>
        <translation>Appointment slip saved as PDF: %1</translation>
    </message>
    <message>
        <source>预约到访凭证</source>
        <translation>Appointment pass</translation>
    </message>
    <message>
        <source>到访时请将二维码对准案场入口的登记屏</source>
        <translation>On arrival, hold the QR code up to the check-in screen at the sales office entrance</translation>
    </message>
</context>
<context>
    <name>AppointmentsPage</name>
    <message>
        <source>待到访</source>
        <translation>Expected</translation>
    </message>
    <message>
        <source>已到访</source>
        <translation>Arrived</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>未到访</source>
        <translation>No-show</translation>
    </message>
    <message>
        <source>预约</source>
        <translation>Appointments</translation>
    </message>
    <message>
        <source>到访日期</source>
        <translation>Visit date</translation>
    </message>
    <message>
        <source>今天</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>时段</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>来访人</source>
        <translation>Visitor</translation>
    </message>
    <message>
        <source>手机号</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>置业顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>预约人</source>
        <translation>Booked by</translation>
    </message>
    <message>
        <source>取消预约</source>
        <translation>Cancel appointment</translation>
    </message>
    <message>
        <source>确认取消</source>
        <translation>Yes, cancel it</translation>
    </message>
    <message>
        <source>不取消</source>
        <translation>Keep it</translation>
    </message>
    <message>
        <source>新建预约</source>
        <translation>New appointment</translation>
    </message>
    <message>
        <source>例如：张</source>
        <translation>e.g. Zhang</translation>
    </message>
    <message>
        <source>姓</source>
        <translation>Surname</translation>
    </message>
    <message>
        <source>女士</source>
        <translation>Ms.</translation>
    </message>
    <message>
        <source>先生</source>
        <translation>Mr.</translation>
    </message>
    <message>
        <source>称呼</source>
        <translation>Title</translation>
    </message>
    <message>
        <source>来访人的手机号</source>
        <translation>Visitor&apos;s mobile number</translation>
    </message>
    <message>
        <source>日期</source>
        <translation>Date</translation>
    </message>
    <message>
        <source>至</source>
        <translation>to</translation>
    </message>
    <message>
        <source>创建预约</source>
        <translation>Create appointment</translation>
    </message>
    <message>
        <source>预约已创建，可保存或打印二维码发给来访人</source>
        <translation>Appointment created; save or print the QR code and send it to the visitor</translation>
    </message>
    <message>
        <source>改派给 %1 并预约</source>
        <translation>Reassign to %1 and book</translation>
    </message>
    <message>
        <source>取消 %1 %2 的预约？</source>
        <translation>Cancel the appointment of %1 %2?</translation>
    </message>
    <message>
        <source>预约已取消，二维码不再有效</source>
        <translation>Appointment cancelled; its QR code no longer works</translation>
    </message>
</context>
<context>
    <name>ArrivalToast</name>
    <message>
        <source>到访提醒：您的客户到了</source>
        <translation>Arrival: your customer is here</translation>
    </message>
    <message>
        <source>知道了</source>
        <translation>Got it</translation>
    </message>
</context>
<context>
    <name>AuditPage</name>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>查看人</source>
        <translation>Viewed by</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>流水号</source>
        <translation>Journal no.</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>裁决时间</source>
        <translation>Decided at</translation>
    </message>
    <message>
        <source>案件</source>
        <translation>Case</translation>
    </message>
    <message>
        <source>建议裁决</source>
        <translation>Suggested ruling</translation>
    </message>
    <message>
        <source>实际裁决</source>
        <translation>Actual ruling</translation>
    </message>
    <message>
        <source>裁决人</source>
        <translation>Decided by</translation>
    </message>
    <message>
        <source>理由</source>
        <translation>Grounds</translation>
    </message>
    <message>
        <source>用户</source>
        <translation>User</translation>
    </message>
    <message>
        <source>未找到可申诉客户的次数</source>
        <translation>Lookups that found no customer to appeal</translation>
    </message>
    <message>
        <source>暂停至</source>
        <translation>Paused until</translation>
    </message>
    <message>
        <source>完整号码查看记录</source>
        <translation>Full number views</translation>
    </message>
    <message>
        <source>推翻建议的裁决</source>
        <translation>Overruled suggestions</translation>
    </message>
    <message>
        <source>申诉号码查询暂停</source>
        <translation>Appeal lookups paused</translation>
    </message>
    <message>
        <source>审计</source>
        <translation>Audit</translation>
    </message>
    <message>
        <source>校验日志</source>
        <translation>Verify journal</translation>
    </message>
    <message>
        <source>核对哈希链与已保存的签名检查点，再以日志重放核对引擎快照与各视图</source>
        <translation>Checks the hash chain against the saved signed checkpoints, then replays the journal to check the engine snapshot and every view</translation>
    </message>
    <message>
        <source>导出签名检查点</source>
        <translation>Export signed checkpoint</translation>
    </message>
    <message>
        <source>检查点保存到</source>
        <translation>Save checkpoints to</translation>
    </message>
    <message>
        <source>立即备份</source>
        <translation>Back up now</translation>
    </message>
    <message>
        <source>备份到文件夹</source>
        <translation>Back up to folder</translation>
    </message>
    <message>
        <source>选择…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>保存签名检查点</source>
        <translation>Save signed checkpoint</translation>
    </message>
    <message>
        <source>检查点 (*.json)</source>
        <translation>Checkpoint (*.json)</translation>
    </message>
    <message>
        <source>选择备份文件夹</source>
        <translation>Choose backup folder</translation>
    </message>
    <message>
        <source>校验失败：</source>
        <translation>Verification failed: </translation>
    </message>
    <message>
        <source>日志完整，但以下数据与日志重放不符：</source>
        <translation>The journal is intact, but this data does not match a replay of the journal: </translation>
    </message>
    <message>
        <source>校验通过：日志完整，共 %1 条；引擎快照与各视图与日志重放一致。</source>
        <translation>Verified: the journal is intact, %1 entries; the engine snapshot and every view match a replay of the journal. </translation>
    </message>
    <message>
        <source>%1 个签名检查点相符。</source>
        <translation>%1 signed checkpoint(s) match.</translation>
    </message>
    <message>
        <source>尚无已保存的签名检查点：整体改写的日志只有对照检查点才能发现，请定期导出并另行保存。</source>
        <translation>No signed checkpoint saved yet: a journal rewritten as a whole can only be detected against a checkpoint. Export one regularly and keep it somewhere else.</translation>
    </message>
    <message>
        <source>已导出签名检查点：第 %1 条，保存于 %2。请另行保存在数据库之外（打印或拷贝）</source>
        <translation>Signed checkpoint exported: entry %1, saved in %2. Keep it outside the database too (print or copy it)</translation>
    </message>
    <message>
        <source>已备份到 %1（%2 字节）。密钥不在备份中，请另行离线保存数据目录中的密钥文件</source>
        <translation>Backed up to %1 (%2 bytes). The key is not in the backup: keep the key file from the data folder offline, separately</translation>
    </message>
    <message>
        <source>备份中的日志校验失败：</source>
        <translation>The journal in the backup failed verification: </translation>
    </message>
    <message>
        <source>客户来电要求核对登记号码</source>
        <translation>Customer called asking to check the registered number</translation>
    </message>
</context>
<context>
    <name>BehindPanel</name>
    <message>
        <source>← 返回看板</source>
        <translation>← Back to the dashboard</translation>
    </message>
    <message>
        <source>打开客户</source>
        <translation>Open customer</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>归属</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>阶段</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>首访</source>
        <translation>First visit</translation>
    </message>
    <message>
        <source>最近到访</source>
        <translation>Last visit</translation>
    </message>
    <message>
        <source>到访次数</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>查找中…</source>
        <translation>Looking…</translation>
    </message>
    <message numerus="yes">
        <source>共 %n 位客户</source>
        <translation>
            <numerusform>%n customer</numerusform>
            <numerusform>%n customers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>；另有 %n 位不在您的客户与公海中，未列出</source>
        <translation>
            <numerusform>; %n more is not among your customers or the pool and is not listed</numerusform>
            <numerusform>; %n more are not among your customers or the pool and are not listed</numerusform>
        </translation>
    </message>
    <message>
        <source>（同一客户多次计入时只列一次）</source>
        <translation> (a customer counted more than once is listed once)</translation>
    </message>
    <message>
        <source>请先在列表中选择一位客户</source>
        <translation>Choose a customer in the list first</translation>
    </message>
</context>
<context>
    <name>BigScreenWindow</name>
    <message>
        <source>案场通 · 大屏</source>
        <translation>Anchang · Big screen</translation>
    </message>
    <message>
        <source>数据库连接中断，正在重连…</source>
        <translation>Database connection lost; reconnecting…</translation>
    </message>
    <message>
        <source>案场通</source>
        <translation>Anchang</translation>
    </message>
    <message>
        <source>今日来访（组）</source>
        <translation>Groups today</translation>
    </message>
    <message>
        <source>首访 / 复访</source>
        <translation>First / return</translation>
    </message>
    <message>
        <source>今日成交</source>
        <translation>Deals today</translation>
    </message>
    <message>
        <source>本月来访（组）</source>
        <translation>Month to date</translation>
    </message>
    <message>
        <source>来访渠道构成</source>
        <translation>Visits by channel</translation>
    </message>
    <message>
        <source>转化漏斗：报备 → 来访 → 认筹 → 认购 → 签约</source>
        <translation>Conversion funnel</translation>
    </message>
    <message>
        <source>今日顾问排行</source>
        <translation>Consultants today</translation>
    </message>
    <message>
        <source>最新到访</source>
        <translation>Latest check-ins</translation>
    </message>
    <message>
        <source>登记 %1 人次</source>
        <translation>%1 check-ins</translation>
    </message>
    <message>
        <source>首访占 %1</source>
        <translation>%1 first visits</translation>
    </message>
    <message>
        <source>认筹 %1</source>
        <translation>%1 pledged</translation>
    </message>
    <message>
        <source>更新于 %1 · 手机号已隐藏，只显示姓氏</source>
        <translation>Updated %1 · phones masked, surnames only</translation>
    </message>
    <message>
        <source>未设月度目标</source>
        <translation>No monthly target</translation>
    </message>
    <message>
        <source>目标 %1 · 完成 %2%</source>
        <translation>Target %1 · %2% reached</translation>
    </message>
    <message>
        <source>（显示 %1 的数据）</source>
        <translation>(showing the figures of %1)</translation>
    </message>
</context>
<context>
    <name>BlacklistPage</name>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>对象</source>
        <translation>Who</translation>
    </message>
    <message>
        <source>所属渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>列入时间</source>
        <translation>Added at</translation>
    </message>
    <message>
        <source>操作人</source>
        <translation>By</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>变更</source>
        <translation>Change</translation>
    </message>
    <message>
        <source>列入</source>
        <translation>Added</translation>
    </message>
    <message>
        <source>移出</source>
        <translation>Removed</translation>
    </message>
    <message>
        <source>流水号</source>
        <translation>Journal no.</translation>
    </message>
    <message>
        <source>当前名单</source>
        <translation>Current list</translation>
    </message>
    <message>
        <source>变更记录</source>
        <translation>History</translation>
    </message>
    <message>
        <source>黑名单</source>
        <translation>Blacklist</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>经纪人</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>列入黑名单</source>
        <translation>Add to blacklist</translation>
    </message>
    <message>
        <source>姓氏、拼音首字母、后四位或完整号码</source>
        <translation>Surname, pinyin initials, last 4 digits or full number</translation>
    </message>
    <message>
        <source>例如：多次恶意截客</source>
        <translation>e.g. repeatedly poached customers</translation>
    </message>
    <message>
        <source>查找客户</source>
        <translation>Find customer</translation>
    </message>
    <message>
        <source>移出黑名单</source>
        <translation>Remove from blacklist</translation>
    </message>
    <message>
        <source>请在左侧名单中选择</source>
        <translation>Choose from the list on the left</translation>
    </message>
    <message>
        <source>请输入姓氏、拼音首字母、手机后四位或完整号码</source>
        <translation>Enter a surname, pinyin initials, the last 4 digits or the full number</translation>
    </message>
    <message>
        <source>%1（新号码，尚未登记）</source>
        <translation>%1 (new number, not registered yet)</translation>
    </message>
    <message>
        <source>%1（已在黑名单）</source>
        <translation>%1 (already blacklisted)</translation>
    </message>
    <message>
        <source>没有找到客户；可输入完整号码列入新号码</source>
        <translation>No customer found; enter the full number to blacklist a new number</translation>
    </message>
    <message>
        <source>请先查找并选择客户</source>
        <translation>Find and choose a customer first</translation>
    </message>
    <message>
        <source>请选择</source>
        <translation>Please choose</translation>
    </message>
    <message>
        <source>已列入黑名单</source>
        <translation>Added to the blacklist</translation>
    </message>
    <message>
        <source>已移出黑名单</source>
        <translation>Removed from the blacklist</translation>
    </message>
</context>
<context>
    <name>Board</name>
    <message>
        <source>来访组数</source>
        <translation>Visit groups</translation>
    </message>
    <message>
        <source>首访</source>
        <translation>First visits</translation>
    </message>
    <message>
        <source>复访</source>
        <translation>Return visits</translation>
    </message>
    <message>
        <source>待前台确认</source>
        <translation>Awaiting reception</translation>
    </message>
    <message>
        <source>报备</source>
        <translation>Reports</translation>
    </message>
    <message>
        <source>认筹</source>
        <translation>Pledged</translation>
    </message>
    <message>
        <source>认购</source>
        <translation>Subscribed</translation>
    </message>
    <message>
        <source>签约</source>
        <translation>Signed</translation>
    </message>
    <message>
        <source>来访</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>占比</source>
        <translation>Share</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>渠道佣金凭证</source>
        <translation>Commission statement</translation>
    </message>
    <message>
        <source>导出凭证PDF</source>
        <translation>Statement PDF</translation>
    </message>
    <message>
        <source>打印凭证</source>
        <translation>Print statement</translation>
    </message>
    <message>
        <source>渠道业绩</source>
        <translation>Channel performance</translation>
    </message>
    <message>
        <source>有效报备</source>
        <translation>Valid</translation>
    </message>
    <message>
        <source>有效率</source>
        <translation>Valid rate</translation>
    </message>
    <message>
        <source>带访</source>
        <translation>Led visits</translation>
    </message>
    <message>
        <source>带访率</source>
        <translation>Visit rate</translation>
    </message>
    <message>
        <source>成交</source>
        <translation>Deals</translation>
    </message>
    <message>
        <source>应结佣</source>
        <translation>Commissioned</translation>
    </message>
    <message>
        <source>成交率</source>
        <translation>Deal rate</translation>
    </message>
    <message>
        <source>漏斗与无效报备</source>
        <translation>Funnel and invalid reports</translation>
    </message>
    <message>
        <source>环节</source>
        <translation>Step</translation>
    </message>
    <message>
        <source>数量</source>
        <translation>Count</translation>
    </message>
    <message>
        <source>转化人数</source>
        <translation>Converted</translation>
    </message>
    <message>
        <source>转化率</source>
        <translation>Conversion</translation>
    </message>
    <message>
        <source>无效原因</source>
        <translation>Invalid because</translation>
    </message>
    <message>
        <source>报备数</source>
        <translation>Reports</translation>
    </message>
    <message>
        <source>顾问</source>
        <translation>Consultants</translation>
    </message>
    <message>
        <source>置业顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>接待组数</source>
        <translation>Groups received</translation>
    </message>
    <message>
        <source>成交转化</source>
        <translation>Conversion</translation>
    </message>
    <message>
        <source>保护中客户</source>
        <translation>Protected customers</translation>
    </message>
    <message>
        <source>公海认领</source>
        <translation>Pool claims</translation>
    </message>
    <message>
        <source>判客与预警</source>
        <translation>Cases and warnings</translation>
    </message>
    <message>
        <source>判客立案</source>
        <translation>Cases opened</translation>
    </message>
    <message>
        <source>本期裁决</source>
        <translation>Decided</translation>
    </message>
    <message>
        <source>维持建议裁决</source>
        <translation>Recommendation kept</translation>
    </message>
    <message>
        <source>推翻建议裁决</source>
        <translation>Overridden</translation>
    </message>
    <message>
        <source>预警触发</source>
        <translation>Warnings raised</translation>
    </message>
    <message>
        <source>预警准确率</source>
        <translation>Warning precision</translation>
    </message>
    <message>
        <source>预警类型</source>
        <translation>Warning</translation>
    </message>
    <message>
        <source>触发</source>
        <translation>Raised</translation>
    </message>
    <message>
        <source>处理中</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>已解决</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>已拉黑</source>
        <translation>Blacklisted</translation>
    </message>
    <message>
        <source>已排除</source>
        <translation>Dismissed</translation>
    </message>
    <message>
        <source>来访人次 %1</source>
        <translation>%1 check-ins</translation>
    </message>
    <message>
        <source>首次到访的组</source>
        <translation>groups of a first visit</translation>
    </message>
    <message>
        <source>再次到访的组</source>
        <translation>groups of a return</translation>
    </message>
    <message>
        <source>签到待确认</source>
        <translation>check-ins to confirm</translation>
    </message>
    <message>
        <source>有效 %1</source>
        <translation>%1 valid</translation>
    </message>
    <message>
        <source>位客户</source>
        <translation>customers</translation>
    </message>
    <message>
        <source>本期无来访</source>
        <translation>No visits in this period</translation>
    </message>
    <message>
        <source>本期无无效报备</source>
        <translation>No invalid reports in this period</translation>
    </message>
    <message>
        <source>含以前立案的</source>
        <translation>including earlier cases</translation>
    </message>
    <message>
        <source>须写明理由</source>
        <translation>each with a written reason</translation>
    </message>
    <message>
        <source>处理中 %1</source>
        <translation>%1 open</translation>
    </message>
    <message>
        <source>已确认 %1 ÷ 已处理 %2</source>
        <translation>%1 confirmed ÷ %2 handled</translation>
    </message>
    <message>
        <source>本期无预警</source>
        <translation>No warnings in this period</translation>
    </message>
</context>
<context>
    <name>CannotStartWindow</name>
    <message>
        <source>案场通 · 来访登记</source>
        <translation>Anchang · Visitor check-in</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>重试</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>本机还没有案场站点</source>
        <translation>There is no site on this computer yet</translation>
    </message>
    <message>
        <source>请打开「案场通 工作台」创建或加入站点，或在终端运行 anchang init（新站点）或 anchang join 密钥包文件（加入已有站点），然后点「重试」。</source>
        <translation>Open Anchang Console to create or join a site, or in a terminal run anchang init (a new site) or anchang join BUNDLE_FILE (join an existing site), then click Retry.</translation>
    </message>
    <message>
        <source>来访登记无法启动</source>
        <translation>Visitor check-in cannot start</translation>
    </message>
    <message>
        <source>查找的数据文件夹 / data folder looked in: %1</source>
        <translation>查找的数据文件夹 / data folder looked in: %1</translation>
    </message>
    <message>
        <source>正在重试…</source>
        <translation>Retrying…</translation>
    </message>
    <message>
        <source>仍无法启动，请按上面的说明处理后再试</source>
        <translation>Still cannot start: follow the steps above, then try again</translation>
    </message>
</context>
<context>
    <name>CaseDetailView</name>
    <message>
        <source>返回列表</source>
        <translation>Back to list</translation>
    </message>
    <message>
        <source>裁决</source>
        <translation>Ruling</translation>
    </message>
    <message>
        <source>理由</source>
        <translation>Grounds</translation>
    </message>
    <message>
        <source>确认裁决</source>
        <translation>Confirm ruling</translation>
    </message>
    <message>
        <source>归属争议</source>
        <translation>Ownership dispute</translation>
    </message>
    <message>
        <source>渠道争议</source>
        <translation>Channel dispute</translation>
    </message>
    <message>
        <source>身份冲突（一脸多号）</source>
        <translation>Identity conflict (one face, several numbers)</translation>
    </message>
    <message>
        <source>非归属顾问成交</source>
        <translation>Deal by a non-owning consultant</translation>
    </message>
    <message>
        <source>顾问申诉</source>
        <translation>Consultant appeal</translation>
    </message>
    <message>
        <source>（未指定）</source>
        <translation>(not specified)</translation>
    </message>
    <message>
        <source>留在公海</source>
        <translation>Leave in public pool</translation>
    </message>
    <message>
        <source>自然来访</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>无归属</source>
        <translation>No owner</translation>
    </message>
    <message>
        <source>报备保护</source>
        <translation>Report protection</translation>
    </message>
    <message>
        <source>竞争带访</source>
        <translation>Competing channel-led visits</translation>
    </message>
    <message>
        <source>保护期：到访后 %1 天内客户归接待顾问，期间他人的登记、跟进和成交都归原顾问</source>
        <translation>Protection: for %1 days after the visit the customer belongs to the serving consultant; visits, follow-ups and deals by others in that time go to that consultant</translation>
    </message>
    <message>
        <source>跟进期：%1 天内没有跟进或到访，客户提前进入公海</source>
        <translation>Follow-up: with no follow-up or visit for %1 days, the customer goes to the public pool early</translation>
    </message>
    <message>
        <source>认筹冻结：认筹后保护期不失效，直至成交或退筹</source>
        <translation>Pledge freeze: after a pledge, protection does not lapse until a deal or a refund</translation>
    </message>
    <message>
        <source>渠道判定（%1）：有效报备在先的渠道获得客户</source>
        <translation>Channel rule (%1): the channel with the earliest valid report gets the customer</translation>
    </message>
    <message>
        <source>同一人脸登记了不同号码：按最先识别到的客户判定</source>
        <translation>One face checked in with different numbers: decided for the customer recognised first</translation>
    </message>
    <message>
        <source>同一身份证登记了不同号码：按持证客户判定</source>
        <translation>One ID card checked in with different numbers: decided for the card holder</translation>
    </message>
    <message>
        <source>逾期释放：保护期已过或已被释放，客户在公海，按公海规则认领</source>
        <translation>Lapsed: protection ended or the customer was released; the customer is in the public pool and is claimed under pool rules</translation>
    </message>
    <message>
        <source>依据规则：%1（%2）</source>
        <translation>Rule: %1 (%2)</translation>
    </message>
    <message>
        <source>轮序</source>
        <translation>Rotation</translation>
    </message>
    <message>
        <source>来访登记，接待顾问 %1</source>
        <translation>Visit checked in, served by %1</translation>
    </message>
    <message>
        <source>，渠道 %1 %2</source>
        <translation>, channel %1 %2</translation>
    </message>
    <message>
        <source>（登记时指定 %1）</source>
        <translation> (named %1 at check-in)</translation>
    </message>
    <message>
        <source>，未经确认</source>
        <translation>, not confirmed</translation>
    </message>
    <message>
        <source>认筹</source>
        <translation>Pledge</translation>
    </message>
    <message>
        <source>认购</source>
        <translation>Subscription</translation>
    </message>
    <message>
        <source>签约</source>
        <translation>Contract</translation>
    </message>
    <message>
        <source>退筹</source>
        <translation>Pledge refunded</translation>
    </message>
    <message>
        <source>渠道报备：%2 的经纪人 %3</source>
        <translation>Channel report: agent %3 of %2</translation>
    </message>
    <message>
        <source>跟进记录：%1</source>
        <translation>Follow-up: %1</translation>
    </message>
    <message>
        <source>%4：%1</source>
        <translation>%4: %1</translation>
    </message>
    <message>
        <source>公海认领：%1</source>
        <translation>Claimed from public pool: %1</translation>
    </message>
    <message>
        <source>释放到公海：%1</source>
        <translation>Released to public pool: %1</translation>
    </message>
    <message>
        <source>经理指定分配给 %1</source>
        <translation>Assigned by manager to %1</translation>
    </message>
    <message>
        <source>前台确认登记 #%5，接待顾问 %1</source>
        <translation>Reception confirmed check-in #%5, served by %1</translation>
    </message>
    <message>
        <source>申诉：%1 认为客户归自己</source>
        <translation>Appeal: %1 says the customer is theirs</translation>
    </message>
    <message>
        <source>人脸识别到场（未登记）</source>
        <translation>Face recognised on site (not checked in)</translation>
    </message>
    <message>
        <source>。理由/备注：%1</source>
        <translation>. Reason/note: %1</translation>
    </message>
    <message>
        <source>%1 · 流水号 #%2 · 记录人 %3（%4）</source>
        <translation>%1 · journal no. #%2 · recorded by %3 (%4)</translation>
    </message>
    <message>
        <source>案件 #%1 · %2 · 客户 %3 %4</source>
        <translation>Case #%1 · %2 · customer %3 %4</translation>
    </message>
    <message>
        <source>建议裁决：%1</source>
        <translation>Suggested ruling: %1</translation>
    </message>
    <message>
        <source>已裁决：%1（%2 于 %3，流水号 #%4）</source>
        <translation>Decided: %1 (%2 on %3, journal no. #%4)</translation>
    </message>
    <message>
        <source>裁决理由：%1</source>
        <translation>Grounds: %1</translation>
    </message>
    <message>
        <source>待裁决，立案于 %1</source>
        <translation>Awaiting ruling, opened %1</translation>
    </message>
    <message>
        <source>客户当前归属：%1</source>
        <translation>Customer currently belongs to: %1</translation>
    </message>
    <message>
        <source>申请方：%1</source>
        <translation>Claimant: %1</translation>
    </message>
    <message>
        <source>没有申请方的记录</source>
        <translation>No records for the claimant</translation>
    </message>
    <message>
        <source>建议方：%1</source>
        <translation>Suggested: %1</translation>
    </message>
    <message>
        <source>没有建议方的记录</source>
        <translation>No records for the suggested party</translation>
    </message>
    <message>
        <source>双方共同的事实</source>
        <translation>Facts common to both</translation>
    </message>
    <message>
        <source>（建议）</source>
        <translation> (suggested)</translation>
    </message>
    <message>
        <source>（申请方）</source>
        <translation> (claimant)</translation>
    </message>
    <message>
        <source>推翻建议裁决，必须写明理由（至少 %1 个字）</source>
        <translation>Overruling the suggestion needs grounds (at least %1 characters)</translation>
    </message>
    <message>
        <source>按建议裁决，理由可不填</source>
        <translation>Following the suggestion; grounds optional</translation>
    </message>
    <message>
        <source>推翻建议裁决必须写明理由（至少 %1 个字）</source>
        <translation>Overruling the suggestion needs grounds (at least %1 characters)</translation>
    </message>
</context>
<context>
    <name>CasesPage</name>
    <message>
        <source>待裁决</source>
        <translation>Pending</translation>
    </message>
    <message>
        <source>已裁决</source>
        <translation>Decided</translation>
    </message>
    <message>
        <source>我要申诉</source>
        <translation>File an appeal</translation>
    </message>
    <message>
        <source>案件</source>
        <translation>Case</translation>
    </message>
    <message>
        <source>立案时间</source>
        <translation>Opened</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>申请方</source>
        <translation>Claimant</translation>
    </message>
    <message>
        <source>建议裁决</source>
        <translation>Suggested ruling</translation>
    </message>
    <message>
        <source>裁决</source>
        <translation>Ruling</translation>
    </message>
    <message>
        <source>裁决人</source>
        <translation>Decided by</translation>
    </message>
    <message>
        <source>查看案件</source>
        <translation>View case</translation>
    </message>
    <message>
        <source>导出裁决书PDF</source>
        <translation>Decision sheet PDF</translation>
    </message>
    <message>
        <source>打印裁决书</source>
        <translation>Print decision sheet</translation>
    </message>
    <message>
        <source>判客</source>
        <translation>Attribution</translation>
    </message>
    <message>
        <source>申诉：您认为该客户归您，请经理裁决。号码只用于查找客户，不会显示。</source>
        <translation>Appeal: you believe this customer is yours; a manager will decide. The number is only used to find the customer and is never shown.</translation>
    </message>
    <message>
        <source>客户手机号</source>
        <translation>Customer&apos;s phone</translation>
    </message>
    <message>
        <source>客户的完整手机号</source>
        <translation>The customer&apos;s full mobile number</translation>
    </message>
    <message>
        <source>申诉理由</source>
        <translation>Grounds for appeal</translation>
    </message>
    <message>
        <source>例如：客户首访前一天由我电话邀约，有通话记录</source>
        <translation>e.g. I phoned the customer the day before the first visit; the call is on record</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>提交申诉</source>
        <translation>Submit appeal</translation>
    </message>
    <message>
        <source>待裁决 (%1)</source>
        <translation>Pending (%1)</translation>
    </message>
    <message>
        <source>已裁决 (%1)</source>
        <translation>Decided (%1)</translation>
    </message>
    <message>
        <source>没有待裁决的案件</source>
        <translation>No cases awaiting a ruling</translation>
    </message>
    <message>
        <source>还没有已裁决的案件</source>
        <translation>No decided cases yet</translation>
    </message>
    <message>
        <source>案件 #%1 已裁决</source>
        <translation>Case #%1 decided</translation>
    </message>
    <message>
        <source>请输入客户的手机号</source>
        <translation>Enter the customer&apos;s mobile number</translation>
    </message>
    <message>
        <source>请写明申诉理由（至少 %1 个字）</source>
        <translation>Please give grounds for the appeal (at least %1 characters)</translation>
    </message>
    <message>
        <source>申诉已提交，案件 #%1 等待经理裁决</source>
        <translation>Appeal submitted; case #%1 awaits a manager&apos;s ruling</translation>
    </message>
</context>
<context>
    <name>ChannelsPage</name>
    <message>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channels</translation>
    </message>
    <message>
        <source>经纪人</source>
        <translation>Agents</translation>
    </message>
    <message>
        <source>待到访</source>
        <translation>Expected</translation>
    </message>
    <message>
        <source>已带访</source>
        <translation>Visited</translation>
    </message>
    <message>
        <source>已过期</source>
        <translation>Expired</translation>
    </message>
    <message>
        <source>无效</source>
        <translation>Invalid</translation>
    </message>
    <message>
        <source>到访</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>成交</source>
        <translation>Deals</translation>
    </message>
    <message>
        <source>应结佣</source>
        <translation>Commissions due</translation>
    </message>
    <message>
        <source>黑名单</source>
        <translation>Blacklisted</translation>
    </message>
    <message>
        <source>拼音首字母</source>
        <translation>Pinyin initials</translation>
    </message>
    <message>
        <source>报备</source>
        <translation>Reports</translation>
    </message>
    <message>
        <source>带来客户</source>
        <translation>Customers brought</translation>
    </message>
    <message>
        <source>搜索经纪人：姓名或拼音首字母，如 zw</source>
        <translation>Search agents: name or pinyin initials, e.g. zw</translation>
    </message>
    <message>
        <source>新增渠道</source>
        <translation>New channel</translation>
    </message>
    <message>
        <source>渠道名称</source>
        <translation>Channel name</translation>
    </message>
    <message>
        <source>可选，多人用逗号分隔</source>
        <translation>Optional; separate several with commas</translation>
    </message>
    <message>
        <source>新增经纪人</source>
        <translation>New agent</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>全部渠道</source>
        <translation>All channels</translation>
    </message>
    <message>
        <source>已新增渠道：%1</source>
        <translation>Channel added: %1</translation>
    </message>
    <message>
        <source>已新增经纪人：%1（%2）</source>
        <translation>Agent added: %1 (%2)</translation>
    </message>
</context>
<context>
    <name>ChartWords</name>
    <message>
        <source>本期无数据</source>
        <translation>No data for this period</translation>
    </message>
    <message>
        <source>每日来访组数（首访 / 复访）</source>
        <translation>Visit groups by day (first / return)</translation>
    </message>
    <message>
        <source>首访</source>
        <translation>First visits</translation>
    </message>
    <message>
        <source>复访</source>
        <translation>Return visits</translation>
    </message>
    <message>
        <source>来访时段（按每组首次到达的整点）</source>
        <translation>Visits by hour (each group&apos;s first arrival)</translation>
    </message>
    <message>
        <source>%1时</source>
        <translation>%1:00</translation>
    </message>
    <message>
        <source>来访渠道构成（组）</source>
        <translation>Visits by channel (groups)</translation>
    </message>
    <message>
        <source>来访来源（组）</source>
        <translation>Visits by source (groups)</translation>
    </message>
    <message>
        <source>%1（%2）</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>转化漏斗：报备 → 来访 → 认筹 → 认购 → 签约</source>
        <translation>Conversion funnel: reported → visited → pledged → subscribed → signed</translation>
    </message>
    <message>
        <source>转化 %1</source>
        <translation>conv. %1</translation>
    </message>
    <message>
        <source>报备到访 %1</source>
        <translation>report-to-visit %1</translation>
    </message>
    <message>
        <source>顾问排行：接待组数、首访、成交</source>
        <translation>Consultants: groups received, first visits, deals</translation>
    </message>
    <message>
        <source>接待组数</source>
        <translation>Groups received</translation>
    </message>
    <message>
        <source>成交</source>
        <translation>Deals</translation>
    </message>
    <message>
        <source>预警处理结果（准确率 %1）</source>
        <translation>Warning outcomes (precision %1)</translation>
    </message>
    <message>
        <source>处理中</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>已解决</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>已拉黑</source>
        <translation>Blacklisted</translation>
    </message>
    <message>
        <source>已排除</source>
        <translation>Dismissed</translation>
    </message>
</context>
<context>
    <name>CheckinModel</name>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>首/复访</source>
        <translation>Visit</translation>
    </message>
    <message>
        <source>首访</source>
        <translation>First</translation>
    </message>
    <message>
        <source>复访</source>
        <translation>Return</translation>
    </message>
    <message>
        <source>顾问</source>
        <translation>Consultant</translation>
    </message>
</context>
<context>
    <name>ClockBanner</name>
    <message>
        <source>接受本机时钟</source>
        <translation>Accept this PC&apos;s clock</translation>
    </message>
    <message>
        <source>管理员确认…</source>
        <translation>Administrator confirms…</translation>
    </message>
    <message>
        <source>重试</source>
        <translation>Retry</translation>
    </message>
    <message>
        <source>本机时钟与站点记录不一致，写入已暂停</source>
        <translation>This PC&apos;s clock disagrees with the site&apos;s records: writing is paused</translation>
    </message>
    <message>
        <source>：%1</source>
        <translation>: %1</translation>
    </message>
    <message>
        <source>。</source>
        <translation>.</translation>
    </message>
    <message numerus="yes">
        <source>%n 项操作等待写入。</source>
        <translation>
            <numerusform>%n action waiting to be written.</numerusform>
            <numerusform>%n actions waiting to be written.</numerusform>
        </translation>
    </message>
    <message>
        <source>请核对本机时间；若本机时间无误，可接受本机时钟。</source>
        <translation>Check this PC&apos;s time; if it is right, you may accept this PC&apos;s clock.</translation>
    </message>
    <message>
        <source>请联系管理员核对本机时间。</source>
        <translation>Ask an administrator to check this PC&apos;s time.</translation>
    </message>
</context>
<context>
    <name>ConnectionTest</name>
    <message>
        <source>postgresql+psycopg://用户:密码@服务器地址/anchang</source>
        <translation>postgresql+psycopg://user:password@server/anchang</translation>
    </message>
    <message>
        <source>连接测试</source>
        <translation>Test connection</translation>
    </message>
    <message>
        <source>请填写 PostgreSQL 地址</source>
        <translation>Enter the PostgreSQL address</translation>
    </message>
    <message>
        <source>正在连接…</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <source>已连接，但该数据库已有站点：请返回第一步选择“加入已有站点”</source>
        <translation>Connected, but this database already holds a site: go back to the first step and choose “Join an existing site”</translation>
    </message>
    <message>
        <source>已连接，但该数据库还没有站点：请先在第一台电脑上新建站点</source>
        <translation>Connected, but this database holds no site yet: set up a new site on the first computer first</translation>
    </message>
    <message>
        <source>连接成功</source>
        <translation>Connected</translation>
    </message>
    <message>
        <source>连接失败：%1</source>
        <translation>Connection failed: %1</translation>
    </message>
</context>
<context>
    <name>ConsentNotice</name>
    <message>
        <source>为方便您下次来访快速登记，我们希望采集您的人脸特征。
· 仅用于本项目来访登记与客户归属确认，不用于其他目的；
· 只保存加密的人脸特征，不保存照片，数据不离开本案场；
· 您可以随时到前台撤回授权，我们将删除您的人脸数据；
· 不同意不影响您的任何权益，可用手机号、身份证或预约码登记。</source>
        <translation>So that you can check in quickly next time, we would like to record your facial features.
· Used only for visitor registration and customer attribution at this project, for nothing else;
· Only encrypted facial features are kept, never a photo, and the data never leaves this sales office;
· You can withdraw your consent at the front desk at any time, and we will delete your face data;
· Saying no takes nothing away from you: you can check in with your phone number, ID card or appointment code.</translation>
    </message>
</context>
<context>
    <name>ConsentPage</name>
    <message>
        <source>人脸识别告知书</source>
        <translation>Face recognition notice</translation>
    </message>
    <message>
        <source>来访者同意采集人脸前看到的告知内容。可按本项目情况修改，每份同意都记录所见版本。</source>
        <translation>What visitors read before they agree to face recognition. Adapt it to this project; every consent records the version seen.</translation>
    </message>
    <message>
        <source>恢复默认</source>
        <translation>Restore default</translation>
    </message>
    <message>
        <source>告知书不能为空</source>
        <translation>The notice cannot be empty</translation>
    </message>
    <message>
        <source>告知书过长：最多 %1 字</source>
        <translation>The notice is too long: %1 characters at most</translation>
    </message>
</context>
<context>
    <name>ConsentScreen</name>
    <message>
        <source>人脸识别授权</source>
        <translation>Face recognition consent</translation>
    </message>
    <message>
        <source>告知书版本：%1</source>
        <translation>Notice version: %1</translation>
    </message>
    <message>
        <source>不同意（用其他方式）</source>
        <translation>I don&apos;t agree (check in another way)</translation>
    </message>
    <message>
        <source>同意</source>
        <translation>I agree</translation>
    </message>
    <message>
        <source>暂时无法刷脸登记，请用手机号登记</source>
        <translation>Face check-in is not available right now; please use your phone number</translation>
    </message>
    <message>
        <source>授权未能记录，请用手机号登记</source>
        <translation>Your consent could not be recorded; please use your phone number</translation>
    </message>
</context>
<context>
    <name>ConsoleContext</name>
    <message>
        <source>已接受本机时钟（日志 #%1）</source>
        <translation>This PC&apos;s clock accepted (journal #%1)</translation>
    </message>
</context>
<context>
    <name>ConsoleWindow</name>
    <message>
        <source>管理员</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <source>案场经理</source>
        <translation>Site manager</translation>
    </message>
    <message>
        <source>渠道经理</source>
        <translation>Channel manager</translation>
    </message>
    <message>
        <source>前台</source>
        <translation>Reception</translation>
    </message>
    <message>
        <source>置业顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>案场通 · 工作台</source>
        <translation>Anchang · Console</translation>
    </message>
    <message>
        <source>案场通</source>
        <translation>Anchang</translation>
    </message>
    <message>
        <source>打开来访登记</source>
        <translation>Open visitor check-in</translation>
    </message>
    <message>
        <source>大屏</source>
        <translation>Big screen</translation>
    </message>
    <message>
        <source>锁定</source>
        <translation>Lock</translation>
    </message>
    <message>
        <source>退出登录</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>数据库连接中断，正在重连…</source>
        <translation>Database connection lost; reconnecting…</translation>
    </message>
    <message numerus="yes">
        <source>退出登录时，%n 项等待写入的操作未能写入，已放弃；请登录后核对并重做。</source>
        <translation>
            <numerusform>On logging out, %n waiting action could not be written and was given up; log in, check and redo it.</numerusform>
            <numerusform>On logging out, %n waiting actions could not be written and were given up; log in, check and redo them.</numerusform>
        </translation>
    </message>
    <message>
        <source>您的账号（%1）已停用，已退出登录。如有疑问请联系管理员。</source>
        <translation>Your account (%1) has been disabled and you have been signed out. Ask an administrator if this is unexpected.</translation>
    </message>
    <message>
        <source>数据库连接中断，正在重连…中断期间的操作未保存，恢复后请重做。</source>
        <translation>The database connection was lost; reconnecting… Actions during the outage were not saved: redo them once it is back.</translation>
    </message>
    <message>
        <source>数据库已重新连接</source>
        <translation>Database reconnected</translation>
    </message>
    <message>
        <source>数据库被其他程序占用，写入未完成，正在重试…</source>
        <translation>Another program holds the database: the write has not been made yet, retrying…</translation>
    </message>
    <message numerus="yes">
        <source>%n 项操作等待写入。</source>
        <translation>
            <numerusform>%n action waiting to be written.</numerusform>
            <numerusform>%n actions waiting to be written.</numerusform>
        </translation>
    </message>
    <message>
        <source>本机时钟已确认，写入已恢复</source>
        <translation>This PC&apos;s clock confirmed: writing resumed</translation>
    </message>
    <message>
        <source>数据库已可写入</source>
        <translation>The database accepts writes again</translation>
    </message>
    <message numerus="yes">
        <source>：%n 项等待的操作已写入</source>
        <translation>
            <numerusform>: %n waiting action written</numerusform>
            <numerusform>: %n waiting actions written</numerusform>
        </translation>
    </message>
    <message>
        <source>账号或密码错误，或用户已停用</source>
        <translation>Wrong account or password, or the user is disabled</translation>
    </message>
    <message>
        <source>该账号不是管理员，不能接受本机时钟</source>
        <translation>This account is not an administrator and cannot accept this PC&apos;s clock</translation>
    </message>
</context>
<context>
    <name>ConsoleWords</name>
    <message>
        <source>前台自助机</source>
        <translation>Kiosk</translation>
    </message>
    <message>
        <source>前台</source>
        <translation>Reception</translation>
    </message>
    <message>
        <source>系统</source>
        <translation>System</translation>
    </message>
    <message>
        <source>人脸识别</source>
        <translation>Face recognition</translation>
    </message>
    <message>
        <source>批量导入</source>
        <translation>Bulk import</translation>
    </message>
    <message>
        <source>系统初始化</source>
        <translation>Site setup</translation>
    </message>
    <message>
        <source>管理员</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <source>案场经理</source>
        <translation>Site manager</translation>
    </message>
    <message>
        <source>工作台</source>
        <translation>Console</translation>
    </message>
    <message>
        <source>管理命令</source>
        <translation>Admin command</translation>
    </message>
</context>
<context>
    <name>CustomerActions</name>
    <message>
        <source>以顾问</source>
        <translation>As consultant</translation>
    </message>
    <message>
        <source>跟进内容，例如：电话回访，周末带家人再来</source>
        <translation>e.g. called back; coming with family on Saturday</translation>
    </message>
    <message>
        <source>跟进</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>阶段</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>指派给</source>
        <translation>Assign to</translation>
    </message>
    <message>
        <source>记录跟进</source>
        <translation>Record follow-up</translation>
    </message>
    <message>
        <source>变更阶段</source>
        <translation>Change stage</translation>
    </message>
    <message>
        <source>指派</source>
        <translation>Assign</translation>
    </message>
    <message>
        <source>认领</source>
        <translation>Claim</translation>
    </message>
    <message>
        <source>释放到公海</source>
        <translation>Release to public pool</translation>
    </message>
    <message>
        <source>您的角色只能查看此客户</source>
        <translation>Your role can only view this customer</translation>
    </message>
    <message>
        <source>请填写跟进内容</source>
        <translation>Please write the follow-up</translation>
    </message>
    <message>
        <source>跟进内容不能超过 %1 个字</source>
        <translation>The follow-up can be at most %1 characters</translation>
    </message>
    <message>
        <source>已记录跟进</source>
        <translation>Follow-up recorded</translation>
    </message>
    <message>
        <source>阶段已变更为%1</source>
        <translation>Stage changed to %1</translation>
    </message>
    <message>
        <source>请选择置业顾问</source>
        <translation>Please choose a consultant</translation>
    </message>
    <message>
        <source>已指派给%1</source>
        <translation>Assigned to %1</translation>
    </message>
    <message>
        <source>已认领</source>
        <translation>Claimed</translation>
    </message>
    <message>
        <source>确定把该客户释放到公海吗？释放后其他顾问可以认领。</source>
        <translation>Release this customer to the public pool? Other consultants can then claim them.</translation>
    </message>
    <message>
        <source>释放</source>
        <translation>Release</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>已释放到公海</source>
        <translation>Released to the public pool</translation>
    </message>
</context>
<context>
    <name>CustomerDetail</name>
    <message>
        <source>← 返回列表</source>
        <translation>← Back to list</translation>
    </message>
    <message>
        <source>查看完整号码</source>
        <translation>Show full number</translation>
    </message>
    <message>
        <source>归属</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>渠道与报备</source>
        <translation>Channel and reports</translation>
    </message>
    <message>
        <source>阶段</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>到访</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>日志号</source>
        <translation>Journal no.</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>事件</source>
        <translation>Event</translation>
    </message>
    <message>
        <source>经办</source>
        <translation>By</translation>
    </message>
    <message>
        <source>详情</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>报备时间</source>
        <translation>Reported at</translation>
    </message>
    <message>
        <source>渠道 · 经纪人</source>
        <translation>Channel · agent</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>有效期至</source>
        <translation>Valid until</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>提出方</source>
        <translation>Raised by</translation>
    </message>
    <message>
        <source>建议裁决</source>
        <translation>Suggested ruling</translation>
    </message>
    <message>
        <source>裁决</source>
        <translation>Ruling</translation>
    </message>
    <message>
        <source>依据记录</source>
        <translation>Records</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>时间线</source>
        <translation>Timeline</translation>
    </message>
    <message>
        <source>报备</source>
        <translation>Reports</translation>
    </message>
    <message>
        <source>判客</source>
        <translation>Attribution</translation>
    </message>
    <message>
        <source>预警</source>
        <translation>Warnings</translation>
    </message>
    <message>
        <source>正在打开客户 #%1…</source>
        <translation>Opening customer #%1…</translation>
    </message>
    <message>
        <source>（未留姓名）</source>
        <translation>(no name given)</translation>
    </message>
    <message>
        <source>佣金归属：%1</source>
        <translation>Commission goes to: %1</translation>
    </message>
    <message numerus="yes">
        <source>报备 %n 条</source>
        <translation>
            <numerusform>%n report</numerusform>
            <numerusform>%n reports</numerusform>
        </translation>
    </message>
    <message>
        <source>未认筹</source>
        <translation>No pledge</translation>
    </message>
    <message>
        <source>成交于 %1</source>
        <translation>Deal on %1</translation>
    </message>
    <message numerus="yes">
        <source>%n 次</source>
        <translation>
            <numerusform>%n visit</numerusform>
            <numerusform>%n visits</numerusform>
        </translation>
    </message>
    <message>
        <source>首访 %1</source>
        <translation>First visit %1</translation>
    </message>
    <message>
        <source>黑名单</source>
        <translation>Blacklisted</translation>
    </message>
    <message>
        <source>待前台确认</source>
        <translation>Awaiting reception confirmation</translation>
    </message>
    <message>
        <source>时间线（最近 %1 条，共 %2 条）</source>
        <translation>Timeline (latest %1 of %2)</translation>
    </message>
    <message>
        <source>保护至 %1（%2）</source>
        <translation>Protected until %1 (%2)</translation>
    </message>
    <message>
        <source>，自日志 #%1 起归属</source>
        <translation>, owner since journal #%1</translation>
    </message>
    <message>
        <source>依据：%1</source>
        <translation>Rule: %1</translation>
    </message>
    <message>
        <source>%1 于 %2 失去归属</source>
        <translation>%1 lost the customer on %2</translation>
    </message>
    <message>
        <source>尚未核验到访</source>
        <translation>No verified visit yet</translation>
    </message>
</context>
<context>
    <name>CustomerWords</name>
    <message>
        <source>认筹</source>
        <translation>Pledge</translation>
    </message>
    <message>
        <source>认购</source>
        <translation>Subscription</translation>
    </message>
    <message>
        <source>签约</source>
        <translation>Contract</translation>
    </message>
    <message>
        <source>已取消认筹</source>
        <translation>Pledge cancelled</translation>
    </message>
    <message>
        <source>取消认筹</source>
        <translation>Cancel pledge</translation>
    </message>
    <message>
        <source>公海</source>
        <translation>Public pool</translation>
    </message>
    <message>
        <source>未分配</source>
        <translation>Unassigned</translation>
    </message>
    <message>
        <source>自然来访</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>归属保护期 %1 天</source>
        <translation>Ownership protection %1 days</translation>
    </message>
    <message>
        <source>跟进期 %1 天</source>
        <translation>Follow-up period %1 days</translation>
    </message>
    <message>
        <source>认领保护期 %1 天</source>
        <translation>Claim protection %1 days</translation>
    </message>
    <message>
        <source>认筹冻结保护</source>
        <translation>Frozen by a pledge</translation>
    </message>
    <message>
        <source>已成交，归属锁定</source>
        <translation>Deal closed, ownership locked</translation>
    </message>
    <message>
        <source>已到期</source>
        <translation>Expired</translation>
    </message>
    <message>
        <source>剩 %1 天 %2 小时</source>
        <translation>%1 d %2 h left</translation>
    </message>
    <message>
        <source>剩 %1 小时 %2 分</source>
        <translation>%1 h %2 min left</translation>
    </message>
    <message>
        <source>不在公海池</source>
        <translation>Not in the public pool</translation>
    </message>
    <message>
        <source>已达今日认领上限</source>
        <translation>Today&apos;s claim limit reached</translation>
    </message>
    <message>
        <source>冷静期内不能认领自己释放或失去的客户</source>
        <translation>Cooling off: you cannot claim a customer you released or lost</translation>
    </message>
    <message>
        <source>黑名单客户不能认领</source>
        <translation>A blacklisted customer cannot be claimed</translation>
    </message>
    <message>
        <source>归属争议</source>
        <translation>Ownership dispute</translation>
    </message>
    <message>
        <source>渠道争议</source>
        <translation>Channel dispute</translation>
    </message>
    <message>
        <source>身份冲突（一脸多号）</source>
        <translation>Identity conflict (one face, several numbers)</translation>
    </message>
    <message>
        <source>非归属顾问成交</source>
        <translation>Deal by a non-owning consultant</translation>
    </message>
    <message>
        <source>顾问申诉</source>
        <translation>Consultant appeal</translation>
    </message>
    <message>
        <source>待裁决</source>
        <translation>Pending</translation>
    </message>
    <message>
        <source>已裁决</source>
        <translation>Decided</translation>
    </message>
    <message>
        <source>到访</source>
        <translation>Visit</translation>
    </message>
    <message>
        <source>前台确认</source>
        <translation>Confirmed by reception</translation>
    </message>
    <message>
        <source>登记作废</source>
        <translation>Check-in voided</translation>
    </message>
    <message>
        <source>报备</source>
        <translation>Channel report</translation>
    </message>
    <message>
        <source>跟进</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>阶段变更</source>
        <translation>Stage change</translation>
    </message>
    <message>
        <source>认领</source>
        <translation>Claim</translation>
    </message>
    <message>
        <source>释放到公海</source>
        <translation>Released to public pool</translation>
    </message>
    <message>
        <source>指派</source>
        <translation>Assigned</translation>
    </message>
    <message>
        <source>黑名单</source>
        <translation>Blacklist</translation>
    </message>
    <message>
        <source>判客裁决</source>
        <translation>Case ruling</translation>
    </message>
    <message>
        <source>预警处理</source>
        <translation>Warning handled</translation>
    </message>
    <message>
        <source>查看完整号码</source>
        <translation>Full number viewed</translation>
    </message>
    <message>
        <source>删除个人信息</source>
        <translation>Personal data erased</translation>
    </message>
    <message>
        <source>人脸授权</source>
        <translation>Face consent</translation>
    </message>
    <message>
        <source>人脸录入</source>
        <translation>Face enrolled</translation>
    </message>
    <message>
        <source>撤回人脸授权</source>
        <translation>Face consent withdrawn</translation>
    </message>
    <message>
        <source>接待</source>
        <translation>Serving</translation>
    </message>
    <message>
        <source>申诉</source>
        <translation>Appeal</translation>
    </message>
    <message>
        <source>渠道声明的报备时间</source>
        <translation>Report time stated by channel</translation>
    </message>
    <message>
        <source>摄像头识别</source>
        <translation>Seen by camera</translation>
    </message>
    <message>
        <source>首次到访</source>
        <translation>First visit</translation>
    </message>
    <message>
        <source>接待开始</source>
        <translation>Start serving</translation>
    </message>
    <message>
        <source>接待结束</source>
        <translation>Finish serving</translation>
    </message>
    <message>
        <source>列入黑名单</source>
        <translation>Add to blacklist</translation>
    </message>
    <message>
        <source>移出黑名单</source>
        <translation>Remove from blacklist</translation>
    </message>
    <message>
        <source>接待：%1</source>
        <translation>Served by: %1</translation>
    </message>
    <message>
        <source>未核验</source>
        <translation>Unverified</translation>
    </message>
    <message>
        <source>裁决：%1</source>
        <translation>Ruling: %1</translation>
    </message>
</context>
<context>
    <name>CustomersPage</name>
    <message>
        <source>客户</source>
        <translation>Customers</translation>
    </message>
    <message>
        <source>我的客户与公海</source>
        <translation>My customers and the public pool</translation>
    </message>
    <message>
        <source>查找</source>
        <translation>Search</translation>
    </message>
    <message>
        <source>姓氏、姓名、拼音首字母或手机后4位</source>
        <translation>Surname, name, pinyin initials or last 4 digits</translation>
    </message>
    <message>
        <source>全部顾问</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>全部状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>保护中</source>
        <translation>Protected</translation>
    </message>
    <message>
        <source>公海</source>
        <translation>In pool</translation>
    </message>
    <message>
        <source>未到访</source>
        <translation>No visit</translation>
    </message>
    <message>
        <source>全部渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>全部阶段</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>未认筹</source>
        <translation>No pledge</translation>
    </message>
    <message>
        <source>首访日期</source>
        <translation>First visit</translation>
    </message>
    <message>
        <source>清除条件</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>打开</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>归属</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>保护到期</source>
        <translation>Protected until</translation>
    </message>
    <message>
        <source>冻结</source>
        <translation>Frozen</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>阶段</source>
        <translation>Stage</translation>
    </message>
    <message>
        <source>首访</source>
        <translation>First visit</translation>
    </message>
    <message>
        <source>最近到访</source>
        <translation>Last visit</translation>
    </message>
    <message>
        <source>到访次数</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>标记</source>
        <translation>Flags</translation>
    </message>
    <message>
        <source>黑名单</source>
        <translation>Blacklisted</translation>
    </message>
    <message>
        <source>首访日期：开始日期晚于结束日期</source>
        <translation>First visit date: the start is after the end</translation>
    </message>
    <message>
        <source>查找中…</source>
        <translation>Searching…</translation>
    </message>
    <message numerus="yes">
        <source>共 %n 位客户</source>
        <translation>
            <numerusform>%n customer</numerusform>
            <numerusform>%n customers</numerusform>
        </translation>
    </message>
    <message>
        <source>请先在列表中选择一位客户</source>
        <translation>Choose a customer in the list first</translation>
    </message>
    <message>
        <source>客户来电要求回拨</source>
        <translation>Customer called asking for a call back</translation>
    </message>
</context>
<context>
    <name>DashboardPage</name>
    <message>
        <source>导出PDF</source>
        <translation>Export PDF</translation>
    </message>
    <message>
        <source>导出Excel</source>
        <translation>Export Excel</translation>
    </message>
    <message>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>数据看板</source>
        <translation>Dashboard</translation>
    </message>
    <message>
        <source>截至 %1</source>
        <translation>as of %1</translation>
    </message>
    <message>
        <source>月度来访目标</source>
        <translation>Monthly visit target</translation>
    </message>
    <message>
        <source>本月来访目标（组）：</source>
        <translation>Visit groups this month:</translation>
    </message>
    <message>
        <source>月度来访目标已更新</source>
        <translation>Monthly visit target updated</translation>
    </message>
    <message>
        <source>请先选择渠道</source>
        <translation>Choose a channel first</translation>
    </message>
    <message>
        <source>首访</source>
        <translation>First visits</translation>
    </message>
</context>
<context>
    <name>DashboardWords</name>
    <message>
        <source>报备</source>
        <translation>Reported</translation>
    </message>
    <message>
        <source>来访</source>
        <translation>Visited</translation>
    </message>
    <message>
        <source>认筹</source>
        <translation>Pledged</translation>
    </message>
    <message>
        <source>认购</source>
        <translation>Subscribed</translation>
    </message>
    <message>
        <source>签约</source>
        <translation>Signed</translation>
    </message>
    <message>
        <source>带访率：本期有效报备中已凭报备带客到访的比例，不超过100%；带访一列为本期首次到访并判给该渠道的客户。</source>
        <translation>Visit rate: of the valid reports made in the period, the share whose customer the report brought to a visit (never above 100%). The Visits column counts the customers who first visited in the period and were judged to this channel.</translation>
    </message>
    <message>
        <source>转化率是同一批客户中的比例，不超过100%：来访一行为报备到访率，即本期有效报备的客户中已凭报备到访（带访）的；其后各行为本期到达上一环节的客户中，本期又到达该环节的。</source>
        <translation>Each conversion is a share of the same customers, never above 100%: for Visited, the report-to-visit rate (of the customers with a valid report made in the period, those the report brought); for each later step, of the customers who reached the step before in the period, those who also reached this one in it.</translation>
    </message>
    <message>
        <source>报备到访率：本期有效报备的 %2 位客户中，%1 位已凭报备到访</source>
        <translation>Report-to-visit rate: %1 of the %2 customers with a valid report this period came on it</translation>
    </message>
    <message>
        <source>本期到访的 %2 位客户中，%1 位本期认筹</source>
        <translation>%1 of the %2 customers who visited this period pledged in it</translation>
    </message>
    <message>
        <source>本期认筹的 %2 位客户中，%1 位本期认购</source>
        <translation>%1 of the %2 customers who pledged this period subscribed in it</translation>
    </message>
    <message>
        <source>本期认购的 %2 位客户中，%1 位本期签约</source>
        <translation>%1 of the %2 customers who subscribed this period signed in it</translation>
    </message>
    <message>
        <source>待核验</source>
        <translation>Not yet judged</translation>
    </message>
    <message>
        <source>未记录（前台登记）</source>
        <translation>Not recorded (reception)</translation>
    </message>
    <message>
        <source>全站数据</source>
        <translation>whole site</translation>
    </message>
    <message>
        <source>%1 本人数据</source>
        <translation>%1&apos;s own figures</translation>
    </message>
    <message>
        <source>%1年%2月</source>
        <translation>%2/%1</translation>
    </message>
    <message>
        <source>%1 至 %2</source>
        <translation>%1 to %2</translation>
    </message>
</context>
<context>
    <name>DatabasePage</name>
    <message>
        <source>数据库</source>
        <translation>Database</translation>
    </message>
    <message>
        <source>只有一台电脑时用本机数据库；多台登记机和工作台共用一个 PostgreSQL 服务器。</source>
        <translation>With one computer, use its own database; several kiosks and consoles share one PostgreSQL server.</translation>
    </message>
    <message>
        <source>单机（本机数据库 SQLite）</source>
        <translation>One computer (its own SQLite database)</translation>
    </message>
    <message>
        <source>多机（PostgreSQL 服务器）</source>
        <translation>Several computers (PostgreSQL server)</translation>
    </message>
    <message>
        <source>数据保存在：%1</source>
        <translation>Data is kept in: %1</translation>
    </message>
</context>
<context>
    <name>DiagnosticsPanel</name>
    <message>
        <source>诊断包</source>
        <translation>Support bundle</translation>
    </message>
    <message>
        <source>技术支持需要时导出：版本、自检结果、近期日志、不含密码的配置和站点列表。不含密钥；电话号码和身份证号已隐去。</source>
        <translation>Export it when support asks: versions, self-test results, recent logs, settings without passwords and the stations. No keys; phone and ID numbers are masked.</translation>
    </message>
    <message>
        <source>导出诊断包…</source>
        <translation>Export support bundle…</translation>
    </message>
    <message>
        <source>保存诊断包</source>
        <translation>Save support bundle</translation>
    </message>
    <message>
        <source>诊断包 (*.zip)</source>
        <translation>Support bundle (*.zip)</translation>
    </message>
    <message>
        <source>正在生成诊断包（含自检，约需半分钟）…</source>
        <translation>Making the support bundle (with the self-test, about half a minute)…</translation>
    </message>
    <message>
        <source>已保存诊断包：%1</source>
        <translation>Support bundle saved: %1</translation>
    </message>
    <message>
        <source>诊断包未能保存：%1</source>
        <translation>The support bundle could not be saved: %1</translation>
    </message>
</context>
<context>
    <name>DoneScreen</name>
    <message>
        <source>完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>请到前台咨询</source>
        <translation>Please ask at the front desk</translation>
    </message>
    <message>
        <source>登记已保存，请到前台</source>
        <translation>Saved. Please go to reception</translation>
    </message>
    <message>
        <source>%1 · 工作人员马上为您安排置业顾问</source>
        <translation>%1 · our staff will find you a consultant right away</translation>
    </message>
    <message>
        <source>登记成功，置业顾问 %1 马上为您服务</source>
        <translation>You&apos;re checked in. Your property consultant %1 will be with you shortly</translation>
    </message>
    <message>
        <source>登记成功，请稍候，马上为您安排置业顾问</source>
        <translation>You&apos;re checked in. Please wait a moment while we find a property consultant for you</translation>
    </message>
    <message>
        <source>手机号无效，请重新输入</source>
        <translation>That phone number is not valid; please enter it again</translation>
    </message>
    <message>
        <source>身份证号码无效，请到前台登记</source>
        <translation>That ID number is not valid; please check in at the front desk</translation>
    </message>
    <message>
        <source>登记未完成，请到前台咨询</source>
        <translation>Check-in was not completed; please ask at the front desk</translation>
    </message>
</context>
<context>
    <name>DutyPage</name>
    <message>
        <source>顺序</source>
        <translation>Order</translation>
    </message>
    <message>
        <source>置业顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>接待中</source>
        <translation>Serving</translation>
    </message>
    <message>
        <source>空闲</source>
        <translation>Free</translation>
    </message>
    <message>
        <source>下一位</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>◀ 下一位接待</source>
        <translation>◀ Next up</translation>
    </message>
    <message>
        <source>今日轮岗顺序</source>
        <translation>Today&apos;s rotation</translation>
    </message>
    <message>
        <source>值班</source>
        <translation>Duty roster</translation>
    </message>
    <message>
        <source>排班</source>
        <translation>Roster</translation>
    </message>
    <message>
        <source>勾选今日值班的顾问，用上移、下移排定接待顺序。</source>
        <translation>Tick today&apos;s consultants on duty and use Move up / Move down to set the serving order.</translation>
    </message>
    <message>
        <source>上移</source>
        <translation>Move up</translation>
    </message>
    <message>
        <source>下移</source>
        <translation>Move down</translation>
    </message>
    <message>
        <source>编辑期间轮岗顺序已变化（有顾问接待了新客户）；保存后以您排定的顺序为准。</source>
        <translation>The rotation changed while you were editing (a consultant took a new customer); when you save, your order applies.</translation>
    </message>
    <message>
        <source>撤销修改</source>
        <translation>Undo changes</translation>
    </message>
    <message>
        <source>保存值班</source>
        <translation>Save duty roster</translation>
    </message>
    <message>
        <source>值班 %1 人，接待中 %2 人。接待新客户的顾问自动排到队尾；接待中的顾问轮空。</source>
        <translation>%1 on duty, %2 serving. A consultant who takes a new customer moves to the end of the queue; those serving are skipped.</translation>
    </message>
    <message>
        <source>今日尚未排班：来访客户无法自动分配置业顾问。</source>
        <translation>No duty roster for today: visitors cannot be assigned a consultant automatically.</translation>
    </message>
    <message>
        <source>请至少勾选一位值班顾问</source>
        <translation>Tick at least one consultant on duty</translation>
    </message>
    <message>
        <source>已保存今日值班：%1</source>
        <translation>Today&apos;s duty roster saved: %1</translation>
    </message>
</context>
<context>
    <name>FaceScreen</name>
    <message>
        <source>刷脸登记</source>
        <translation>Check in with your face</translation>
    </message>
    <message>
        <source>改用手机号登记</source>
        <translation>Use my phone number instead</translation>
    </message>
    <message>
        <source>摄像头暂不可用，请用手机号登记</source>
        <translation>The camera is not available right now; please use your phone number</translation>
    </message>
    <message>
        <source>请正对摄像头</source>
        <translation>Please face the camera</translation>
    </message>
    <message>
        <source>未能完成刷脸，请用手机号登记</source>
        <translation>Face check-in did not work; please use your phone number</translation>
    </message>
    <message>
        <source>正在识别…</source>
        <translation>Recognising…</translation>
    </message>
</context>
<context>
    <name>FigureTable</name>
    <message>
        <source>查看这些客户</source>
        <translation>See these customers</translation>
    </message>
</context>
<context>
    <name>FinishPage</name>
    <message>
        <source>正在设置</source>
        <translation>Setting up</translation>
    </message>
    <message>
        <source>设置完成</source>
        <translation>Done</translation>
    </message>
    <message>
        <source>已加入站点。点击“完成”打开登录界面。</source>
        <translation>Joined the site. Click “Finish” to open the login screen.</translation>
    </message>
    <message>
        <source>站点已建好。点击“完成”打开登录界面，以管理员 admin 和刚才设置的密码登录。</source>
        <translation>The site is set up. Click “Finish” to open the login screen and log in as admin with the password you just set.</translation>
    </message>
    <message>
        <source>未能完成：%1</source>
        <translation>Could not finish: %1</translation>
    </message>
    <message>
        <source>请点击“上一步”修改后重试。</source>
        <translation>Click “Back”, correct it and try again.</translation>
    </message>
</context>
<context>
    <name>FirstRunWizard</name>
    <message>
        <source>案场通 · 首次设置</source>
        <translation>Anchang · First-time setup</translation>
    </message>
    <message>
        <source>上一步</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>完成</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>滨江壹号 营销中心</source>
        <translation>Binjiang One Sales Centre</translation>
    </message>
</context>
<context>
    <name>IdCardScreen</name>
    <message>
        <source>请将身份证放在读卡区</source>
        <translation>Please place your ID card on the reader</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>正在读取…</source>
        <translation>Reading…</translation>
    </message>
    <message>
        <source>未连接身份证读卡器，请用其他方式登记</source>
        <translation>No ID card reader is connected; please check in another way</translation>
    </message>
    <message>
        <source>读取成功</source>
        <translation>Card read</translation>
    </message>
    <message>
        <source>没有读到身份证，请重新放置或用其他方式登记</source>
        <translation>No ID card was read; please place it again or check in another way</translation>
    </message>
    <message>
        <source>身份证读卡器未连接，请用其他方式登记</source>
        <translation>The ID card reader is not connected; please check in another way</translation>
    </message>
    <message>
        <source>读卡通信错误，请重新放置身份证</source>
        <translation>Card reader communication error; please place your ID card again</translation>
    </message>
    <message>
        <source>身份证号码校验失败，请到前台登记</source>
        <translation>The ID number failed its check; please check in at the front desk</translation>
    </message>
    <message>
        <source>身份证读卡器故障，请用其他方式登记</source>
        <translation>The ID card reader has a fault; please check in another way</translation>
    </message>
    <message>
        <source>读卡失败，请用其他方式登记</source>
        <translation>The card could not be read; please check in another way</translation>
    </message>
</context>
<context>
    <name>JoinPage</name>
    <message>
        <source>加入已有站点</source>
        <translation>Join an existing site</translation>
    </message>
    <message>
        <source>在本站点已有的工作台上，由经理或管理员在“站点”页导出密钥包，并告知一次性口令。</source>
        <translation>At a console of this site, a manager or administrator exports the key bundle on the Stations page and tells you its one-time passphrase.</translation>
    </message>
    <message>
        <source>尚未选择</source>
        <translation>None chosen</translation>
    </message>
    <message>
        <source>选择文件…</source>
        <translation>Choose file…</translation>
    </message>
    <message>
        <source>二维码图片…</source>
        <translation>QR code picture…</translation>
    </message>
    <message>
        <source>站点密钥包</source>
        <translation>Site key bundle</translation>
    </message>
    <message>
        <source>例如 7K2M-9QXD-4HNP-R8TB</source>
        <translation>e.g. 7K2M-9QXD-4HNP-R8TB</translation>
    </message>
    <message>
        <source>一次性口令</source>
        <translation>One-time passphrase</translation>
    </message>
    <message>
        <source>PostgreSQL 地址</source>
        <translation>PostgreSQL address</translation>
    </message>
    <message>
        <source>本机名称</source>
        <translation>This computer&apos;s name</translation>
    </message>
    <message>
        <source>选择站点密钥包</source>
        <translation>Choose the site key bundle</translation>
    </message>
    <message>
        <source>密钥包 (*.anchang-keys *.txt);;所有文件 (*)</source>
        <translation>Key bundles (*.anchang-keys *.txt);;All files (*)</translation>
    </message>
    <message>
        <source>选择二维码图片</source>
        <translation>Choose the QR code picture</translation>
    </message>
    <message>
        <source>图片 (*.png *.jpg *.jpeg *.bmp)</source>
        <translation>Pictures (*.png *.jpg *.jpeg *.bmp)</translation>
    </message>
    <message>
        <source>正在读取…</source>
        <translation>Reading…</translation>
    </message>
    <message>
        <source>已读取：%1</source>
        <translation>Read: %1</translation>
    </message>
</context>
<context>
    <name>KeyExportPanel</name>
    <message>
        <source>导出站点密钥包</source>
        <translation>Export the site key bundle</translation>
    </message>
    <message>
        <source>新的登记机或工作台加入本站点时，在其首次设置中导入密钥包，并输入一次性口令。每次导出都生成新口令，并记录在日志中。</source>
        <translation>A new kiosk or console joining this site imports the key bundle in its first-time setup, with the one-time passphrase. Every export makes a new passphrase and is recorded in the journal.</translation>
    </message>
    <message>
        <source>生成密钥包</source>
        <translation>Make key bundle</translation>
    </message>
    <message>
        <source>一次性口令（只显示这一次）：</source>
        <translation>One-time passphrase (shown this once only):</translation>
    </message>
    <message>
        <source>口令请当面告知新电脑的操作人员：不要写在密钥包文件旁，也不要与二维码一起拍照发送。</source>
        <translation>Tell the passphrase in person to whoever sets up the new computer: never write it next to the bundle file, nor send it in one photo with the QR code.</translation>
    </message>
    <message>
        <source>保存为文件…</source>
        <translation>Save as file…</translation>
    </message>
    <message>
        <source>完成（清除口令）</source>
        <translation>Done (clear passphrase)</translation>
    </message>
    <message>
        <source>密钥包太大，无法放进一个二维码：请保存为文件，用 U 盘带到新电脑。</source>
        <translation>The bundle is too large for one QR code: save it as a file and take it to the new computer on a USB stick.</translation>
    </message>
    <message>
        <source>新电脑可导入此二维码的照片或截图，也可导入保存的文件。</source>
        <translation>The new computer can import a photo or screenshot of this QR code, or the saved file.</translation>
    </message>
    <message>
        <source>保存站点密钥包</source>
        <translation>Save the site key bundle</translation>
    </message>
    <message>
        <source>密钥包 (*.anchang-keys)</source>
        <translation>Key bundles (*.anchang-keys)</translation>
    </message>
    <message>
        <source>已保存密钥包：%1</source>
        <translation>Key bundle saved: %1</translation>
    </message>
</context>
<context>
    <name>Kiosk</name>
    <message>
        <source>自然来访</source>
        <translation>Walked in</translation>
    </message>
    <message>
        <source>渠道带访</source>
        <translation>With an agent</translation>
    </message>
    <message>
        <source>全民经纪人</source>
        <translation>Referral agent</translation>
    </message>
    <message>
        <source>线上平台</source>
        <translation>Online platform</translation>
    </message>
    <message>
        <source>老业主推荐</source>
        <translation>Owner referral</translation>
    </message>
    <message>
        <source>先生</source>
        <translation>Mr.</translation>
    </message>
    <message>
        <source>女士</source>
        <translation>Ms.</translation>
    </message>
</context>
<context>
    <name>KioskWindow</name>
    <message>
        <source>案场通 · 来访登记</source>
        <translation>Anchang · Visitor check-in</translation>
    </message>
    <message>
        <source>离线队列文件已损坏，已另存为 %1 并启用新文件</source>
        <translation>The offline queue file was damaged: it was set aside as %1 and a new one started</translation>
    </message>
    <message>
        <source>人脸识别无法启动，刷脸登记已停用：%1</source>
        <translation>Face recognition could not start; face check-in is off: %1</translation>
    </message>
    <message>
        <source>到访提醒：%1 已到，归属置业顾问 %2</source>
        <translation>Arrival: %1 is here; their consultant is %2</translation>
    </message>
    <message>
        <source>登记被拒绝：%1</source>
        <translation>Check-in refused: %1</translation>
    </message>
</context>
<context>
    <name>LeaderboardModel</name>
    <message>
        <source>名次</source>
        <translation>Rank</translation>
    </message>
    <message>
        <source>顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>接待</source>
        <translation>Served</translation>
    </message>
    <message>
        <source>首访</source>
        <translation>First</translation>
    </message>
    <message>
        <source>成交</source>
        <translation>Deals</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <source>案场通 · 工作台</source>
        <translation>Anchang · Console</translation>
    </message>
    <message>
        <source>请登录</source>
        <translation>Please sign in</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>Username</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>登录</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>切换用户</source>
        <translation>Switch user</translation>
    </message>
    <message>
        <source>已锁定，请输入密码解锁</source>
        <translation>Locked; enter your password to unlock</translation>
    </message>
    <message>
        <source>请输入用户名</source>
        <translation>Please enter your username</translation>
    </message>
    <message>
        <source>请输入密码</source>
        <translation>Please enter your password</translation>
    </message>
    <message numerus="yes">
        <source>错误次数过多，请 %n 秒后再试</source>
        <translation>
            <numerusform>Too many wrong attempts; try again in %n second</numerusform>
            <numerusform>Too many wrong attempts; try again in %n seconds</numerusform>
        </translation>
    </message>
    <message>
        <source>用户名或密码错误，或用户已停用</source>
        <translation>Wrong username or password, or the user is disabled</translation>
    </message>
</context>
<context>
    <name>NumberRequestsPanel</name>
    <message>
        <source>号码查看申请</source>
        <translation>Number requests</translation>
    </message>
    <message>
        <source>置业顾问在手机上申请查看客户完整号码：批准后号码只向其显示一次，申请、决定和查看都记入日志</source>
        <translation>Consultants ask on their phones to see a customer&apos;s full number: once approved it is shown to them once, and the request, the decision and the viewing are journalled</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>决定理由（至少 4 个字）</source>
        <translation>Reason for the decision (4 characters or more)</translation>
    </message>
    <message>
        <source>批准</source>
        <translation>Approve</translation>
    </message>
    <message>
        <source>拒绝</source>
        <translation>Refuse</translation>
    </message>
    <message>
        <source>号码查看申请（%1）</source>
        <translation>Number requests (%1)</translation>
    </message>
    <message>
        <source>已批准 %1 的申请</source>
        <translation>Approved %1&apos;s request</translation>
    </message>
    <message>
        <source>已拒绝 %1 的申请</source>
        <translation>Refused %1&apos;s request</translation>
    </message>
</context>
<context>
    <name>NumberTile</name>
    <message>
        <source>查看这些客户</source>
        <translation>See these customers</translation>
    </message>
</context>
<context>
    <name>PeoplePage</name>
    <message>
        <source>置业顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>用户与角色</source>
        <translation>Users and roles</translation>
    </message>
    <message>
        <source>人员</source>
        <translation>People</translation>
    </message>
    <message>
        <source>管理员</source>
        <translation>Administrator</translation>
    </message>
    <message>
        <source>案场经理</source>
        <translation>Site manager</translation>
    </message>
    <message>
        <source>渠道经理</source>
        <translation>Channel manager</translation>
    </message>
    <message>
        <source>前台</source>
        <translation>Reception</translation>
    </message>
    <message>
        <source>姓名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>在职</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>停用</source>
        <translation>Inactive</translation>
    </message>
    <message>
        <source>今日值班</source>
        <translation>On duty today</translation>
    </message>
    <message>
        <source>第 %1 位</source>
        <translation>No. %1</translation>
    </message>
    <message>
        <source>未值班</source>
        <translation>Off duty</translation>
    </message>
    <message>
        <source>接待</source>
        <translation>Serving</translation>
    </message>
    <message>
        <source>接待中</source>
        <translation>Serving</translation>
    </message>
    <message>
        <source>登录账号</source>
        <translation>Login</translation>
    </message>
    <message>
        <source>（无）</source>
        <translation>(none)</translation>
    </message>
    <message>
        <source>名下客户</source>
        <translation>Customers</translation>
    </message>
    <message>
        <source>新增置业顾问</source>
        <translation>New consultant</translation>
    </message>
    <message>
        <source>新增后可在“值班”页排班；顾问的登录账号由管理员在“用户与角色”中添加。</source>
        <translation>Once added, schedule them on the Duty roster page; an administrator adds the consultant&apos;s login under Users and roles.</translation>
    </message>
    <message>
        <source>用户名</source>
        <translation>Username</translation>
    </message>
    <message>
        <source>角色</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>对应顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>已设置</source>
        <translation>Set</translation>
    </message>
    <message>
        <source>未设置</source>
        <translation>Not set</translation>
    </message>
    <message>
        <source>已停用</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>密码错误过多，暂停登录</source>
        <translation>Too many wrong passwords; sign-in paused</translation>
    </message>
    <message>
        <source>启用</source>
        <translation>Enabled</translation>
    </message>
    <message>
        <source>新增用户</source>
        <translation>New user</translation>
    </message>
    <message>
        <source>请选择角色</source>
        <translation>Please choose a role</translation>
    </message>
    <message>
        <source>仅置业顾问需要</source>
        <translation>Consultants only</translation>
    </message>
    <message>
        <source>确认密码</source>
        <translation>Confirm password</translation>
    </message>
    <message>
        <source>新密码</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>确认新密码</source>
        <translation>Confirm new password</translation>
    </message>
    <message>
        <source>设置密码</source>
        <translation>Set password</translation>
    </message>
    <message>
        <source>停用账号</source>
        <translation>Disable account</translation>
    </message>
    <message>
        <source>已选：%1</source>
        <translation>Selected: %1</translation>
    </message>
    <message>
        <source>在上表中选择用户</source>
        <translation>Choose a user in the table above</translation>
    </message>
    <message>
        <source>确认停用 %1？</source>
        <translation>Disable %1?</translation>
    </message>
    <message>
        <source>已新增置业顾问：%1</source>
        <translation>Consultant added: %1</translation>
    </message>
    <message>
        <source>两次输入的密码不一致</source>
        <translation>The two passwords do not match</translation>
    </message>
    <message>
        <source>已新增用户：%1</source>
        <translation>User added: %1</translation>
    </message>
    <message>
        <source>已为 %1 设置新密码</source>
        <translation>New password set for %1</translation>
    </message>
    <message>
        <source>已停用用户：%1</source>
        <translation>User disabled: %1</translation>
    </message>
</context>
<context>
    <name>PeriodPicker</name>
    <message>
        <source>今天</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>本周</source>
        <translation>This week</translation>
    </message>
    <message>
        <source>本月</source>
        <translation>This month</translation>
    </message>
    <message>
        <source>自定义</source>
        <translation>Custom</translation>
    </message>
</context>
<context>
    <name>PhoneScreen</name>
    <message>
        <source>请输入您的手机号</source>
        <translation>Please enter your mobile number</translation>
    </message>
    <message>
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>身份证已读取，请补充手机号</source>
        <translation>ID card read; please add your mobile number</translation>
    </message>
    <message>
        <source>11 位手机号</source>
        <translation>11-digit mobile number</translation>
    </message>
    <message>
        <source>还差 %1 位</source>
        <translation>Digits to go: %1</translation>
    </message>
    <message>
        <source>请输入您的手机号：座机号码无法登记</source>
        <translation>Please enter your mobile number: a landline cannot be registered</translation>
    </message>
    <message>
        <source>请输入您的手机号：热线号码无法登记</source>
        <translation>Please enter your mobile number: a hotline number cannot be registered</translation>
    </message>
    <message>
        <source>请输入您的手机号：热线/座机号码无法登记</source>
        <translation>Please enter your mobile number: a hotline or landline cannot be registered</translation>
    </message>
    <message>
        <source>请输入中国大陆手机号：境外号码无法登记</source>
        <translation>Please enter a mainland China mobile number: foreign numbers cannot be registered</translation>
    </message>
    <message>
        <source>这不是有效的手机号，请检查</source>
        <translation>This is not a valid mobile number; please check it</translation>
    </message>
    <message>
        <source>号码正确</source>
        <translation>Number looks right</translation>
    </message>
</context>
<context>
    <name>PhoneTrustPanel</name>
    <message>
        <source>手机信任本站证书</source>
        <translation>Phones trust this site&apos;s certificate</translation>
    </message>
    <message>
        <source>手机浏览器访问本站前，须先安装并信任本站证书（每部手机一次）。请在运行 anchang serve 的电脑上打开本页，用手机相机扫描二维码下载证书。浏览器提示连接不安全时，核对下方指纹与手机上显示的一致后继续。</source>
        <translation>Before a phone&apos;s browser opens this site, the phone installs and trusts this site&apos;s certificate (once per phone). Open this page on the computer that runs anchang serve and scan the QR code with the phone&apos;s camera to download the certificate. When the browser warns that the connection is not secure, continue only once the fingerprint below matches the one the phone shows.</translation>
    </message>
    <message>
        <source>证书 SHA-256 指纹（安装时核对）：</source>
        <translation>The certificate&apos;s SHA-256 fingerprint (compare it when installing):</translation>
    </message>
    <message>
        <source>iPhone / iPad（用 Safari 打开）</source>
        <translation>iPhone / iPad (open it in Safari)</translation>
    </message>
    <message>
        <source>下载描述文件 → 设置 → 已下载描述文件 → 安装 → 通用 → 关于本机 → 证书信任设置 → 启用完全信任</source>
        <translation>Download the profile → Settings → Profile Downloaded → Install → General → About → Certificate Trust Settings → Enable Full Trust</translation>
    </message>
    <message>
        <source>安卓手机（Android）</source>
        <translation>Android phones</translation>
    </message>
    <message>
        <source>下载证书 → 设置 → 安全 → 加密与凭据 → 安装证书 → CA 证书 → 选择下载的 ca.crt</source>
        <translation>Download the certificate → Settings → Security → Encryption &amp; credentials → Install a certificate → CA certificate → choose the downloaded ca.crt</translation>
    </message>
    <message>
        <source>无法读取本站证书：%1</source>
        <translation>Cannot read this site&apos;s certificate: %1</translation>
    </message>
</context>
<context>
    <name>PoolPage</name>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>入池原因</source>
        <translation>Why in pool</translation>
    </message>
    <message>
        <source>在公海</source>
        <translation>In pool for</translation>
    </message>
    <message>
        <source>入池时间</source>
        <translation>Pooled at</translation>
    </message>
    <message>
        <source>原归属顾问</source>
        <translation>Previous consultant</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>自然来访</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>到访次数</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>最近到访</source>
        <translation>Last visit</translation>
    </message>
    <message>
        <source>备注</source>
        <translation>Note</translation>
    </message>
    <message>
        <source>认领</source>
        <translation>Claim</translation>
    </message>
    <message>
        <source>选择置业顾问</source>
        <translation>Choose a consultant</translation>
    </message>
    <message>
        <source>指派</source>
        <translation>Assign</translation>
    </message>
    <message>
        <source>公海</source>
        <translation>Public pool</translation>
    </message>
    <message>
        <source>保护期满</source>
        <translation>Protection ended</translation>
    </message>
    <message>
        <source>顾问释放</source>
        <translation>Released by consultant</translation>
    </message>
    <message>
        <source>客户已不在公海</source>
        <translation>The customer is no longer in the public pool</translation>
    </message>
    <message>
        <source>今日认领已达上限</source>
        <translation>Today&apos;s claim limit reached</translation>
    </message>
    <message>
        <source>冷静期内不能重新认领</source>
        <translation>Cannot claim again during the cooling-off period</translation>
    </message>
    <message>
        <source>客户在黑名单中</source>
        <translation>The customer is blacklisted</translation>
    </message>
    <message>
        <source>%1 天 %2 小时</source>
        <translation>%1 d %2 h</translation>
    </message>
    <message>
        <source>%1 小时</source>
        <translation>%1 h</translation>
    </message>
    <message>
        <source>不到 1 小时</source>
        <translation>Under 1 h</translation>
    </message>
    <message>
        <source>黑名单</source>
        <translation>Blacklisted</translation>
    </message>
    <message>
        <source>冷静期至 %1</source>
        <translation>Cooling off until %1</translation>
    </message>
    <message>
        <source>公海共 %1 位客户。</source>
        <translation>%1 customers in the public pool. </translation>
    </message>
    <message>
        <source>今日已认领 %1 / %2 个，还可认领 %3 个。</source>
        <translation>Claimed today: %1 / %2; %3 more allowed. </translation>
    </message>
    <message>
        <source>每位顾问每天最多认领 %1 个。</source>
        <translation>Each consultant may claim at most %1 a day. </translation>
    </message>
    <message>
        <source>释放或流失的客户，原顾问 %1 天内不能重新认领；认领后保护 %2 天。</source>
        <translation>A consultant cannot reclaim a customer they released or lost for %1 days; a claimed customer is protected for %2 days.</translation>
    </message>
    <message>
        <source>选择一位客户和置业顾问后指派</source>
        <translation>Choose a customer and a consultant, then assign</translation>
    </message>
    <message>
        <source>把 %1 指派给所选顾问：归属保护期重新计算</source>
        <translation>Assign %1 to the chosen consultant: protection starts anew</translation>
    </message>
    <message>
        <source>选择一位客户后认领</source>
        <translation>Choose a customer to claim</translation>
    </message>
    <message>
        <source>该客户在黑名单中，认领会被拒绝</source>
        <translation>This customer is blacklisted; a claim will be refused</translation>
    </message>
    <message>
        <source>冷静期：您失去或释放了该客户，%1 之前不能重新认领</source>
        <translation>Cooling off: you lost or released this customer and cannot claim them again before %1</translation>
    </message>
    <message>
        <source>今日认领已达上限（%1 个），明天可再认领</source>
        <translation>Today&apos;s claim limit reached (%1); you can claim again tomorrow</translation>
    </message>
    <message>
        <source>认领 %1：保护 %2 天；今日还可认领 %3 个</source>
        <translation>Claim %1: protected for %2 days; %3 more claims today</translation>
    </message>
    <message>
        <source>认领成功：%1 现归您</source>
        <translation>Claimed: %1 is now yours</translation>
    </message>
    <message>
        <source>认领未成功：%1（规则 %2）</source>
        <translation>Claim refused: %1 (rule %2)</translation>
    </message>
    <message>
        <source>已指派：%1 现归 %2</source>
        <translation>Assigned: %1 now belongs to %2</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>进行中…</source>
        <translation>Working…</translation>
    </message>
    <message>
        <source>已取消</source>
        <translation>Cancelled</translation>
    </message>
    <message>
        <source>正在取消…</source>
        <translation>Cancelling…</translation>
    </message>
</context>
<context>
    <name>ProjectPage</name>
    <message>
        <source>项目名称</source>
        <translation>Project name</translation>
    </message>
    <message>
        <source>来访登记机的首页显示此名称，例如“滨江壹号 营销中心”。</source>
        <translation>The kiosk&apos;s start screen shows this name, e.g. “Binjiang One Sales Centre”.</translation>
    </message>
</context>
<context>
    <name>QrScreen</name>
    <message>
        <source>请将预约二维码对准摄像头</source>
        <translation>Please hold your appointment QR code up to the camera</translation>
    </message>
    <message>
        <source>改用手机号登记</source>
        <translation>Use my phone number instead</translation>
    </message>
    <message>
        <source>返回首页</source>
        <translation>Back to start</translation>
    </message>
    <message>
        <source>请确认您的预约</source>
        <translation>Please confirm your appointment</translation>
    </message>
    <message>
        <source>确认后即完成登记</source>
        <translation>Confirming completes your check-in</translation>
    </message>
    <message>
        <source>确认登记</source>
        <translation>Confirm check-in</translation>
    </message>
    <message>
        <source>不是我，改用手机号登记</source>
        <translation>Not me, use my phone number</translation>
    </message>
    <message>
        <source>正在查询预约…</source>
        <translation>Looking up your appointment…</translation>
    </message>
    <message>
        <source>您预约了 %1</source>
        <translation>Your appointment: %1</translation>
    </message>
    <message>
        <source>置业顾问 %1</source>
        <translation>Property consultant: %1</translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <source>待确认登记</source>
        <translation>Check-ins to confirm</translation>
    </message>
    <message>
        <source>到访</source>
        <translation>Arrived</translation>
    </message>
    <message>
        <source>%1 再次签到</source>
        <translation>%1 checked in again</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>更正号码</source>
        <translation>Fix number</translation>
    </message>
    <message>
        <source>标记为误登记</source>
        <translation>Mistaken</translation>
    </message>
    <message>
        <source>11 位手机号</source>
        <translation>11-digit mobile number</translation>
    </message>
    <message>
        <source>正确号码</source>
        <translation>Correct number</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>保存更正</source>
        <translation>Save correction</translation>
    </message>
    <message>
        <source>确定</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>待确认登记（%1）</source>
        <translation>Check-ins to confirm (%1)</translation>
    </message>
    <message>
        <source>自然来访</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>已确认 %1</source>
        <translation>Confirmed %1</translation>
    </message>
    <message>
        <source>号码已更正为 %1</source>
        <translation>Number corrected to %1</translation>
    </message>
    <message>
        <source>将 %1 的 %2 次签到（同一到访）都标记为误登记？</source>
        <translation>Mark all %2 check-ins of %1 (one arrival) as mistakes?</translation>
    </message>
    <message>
        <source>将 %1 的登记标记为误登记？</source>
        <translation>Mark %1&apos;s check-in as mistaken?</translation>
    </message>
    <message>
        <source>已标记为误登记</source>
        <translation>Marked as mistaken</translation>
    </message>
</context>
<context>
    <name>QueueTab</name>
    <message>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>更正号码</source>
        <translation>Correct the number</translation>
    </message>
    <message>
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>确定更正</source>
        <translation>Save correction</translation>
    </message>
    <message>
        <source>数据库不可用，稍后再试</source>
        <translation>The database is unavailable; please try again later</translation>
    </message>
    <message>
        <source>待确认 %1 条登记</source>
        <translation>%1 check-ins to confirm</translation>
    </message>
    <message>
        <source>没有待确认的登记</source>
        <translation>No check-ins awaiting confirmation</translation>
    </message>
    <message>
        <source>确认</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <source>更正</source>
        <translation>Correct</translation>
    </message>
    <message>
        <source>误登</source>
        <translation>Mistake</translation>
    </message>
    <message>
        <source>已确认</source>
        <translation>Confirmed</translation>
    </message>
    <message>
        <source>已标记为误登</source>
        <translation>Marked as a mistake</translation>
    </message>
    <message>
        <source>这不是有效的手机号，请检查</source>
        <translation>This is not a valid mobile number; please check it</translation>
    </message>
    <message>
        <source>号码已更正</source>
        <translation>Number corrected</translation>
    </message>
</context>
<context>
    <name>RefusalBanner</name>
    <message>
        <source>知道了</source>
        <translation>OK</translation>
    </message>
</context>
<context>
    <name>Refusals</name>
    <message>
        <source>%1（%2）没有此操作的权限</source>
        <translation>%1 (%2) has no permission for this</translation>
    </message>
    <message>
        <source>无权操作：%1。如确需办理，请联系案场经理或管理员。</source>
        <translation>Not permitted: %1. If it must be done, ask the sales manager or an administrator.</translation>
    </message>
    <message>
        <source>本工作站（%1）已停用，不能再写入。请联系管理员：更换的电脑需以新工作站加入。</source>
        <translation>This station (%1) has been retired and can no longer write. Ask an administrator: a replacement computer joins as a new station.</translation>
    </message>
    <message>
        <source>未能办理：%1</source>
        <translation>Not done: %1</translation>
    </message>
    <message>
        <source>数据库被其他程序占用，写入未完成，请稍后重试。</source>
        <translation>The database is held by another program; the write was not done. Try again shortly.</translation>
    </message>
    <message>
        <source>数据库连接中断，操作未完成；恢复后请重做。</source>
        <translation>The connection to the database was lost; the action was not done. Redo it once it is back.</translation>
    </message>
    <message>
        <source>本机时钟与站点记录不一致，写入已暂停</source>
        <translation>This computer&apos;s clock disagrees with the site&apos;s records; writes are paused</translation>
    </message>
    <message>
        <source>出错了：%1。已记入日志，请联系管理员。</source>
        <translation>Something went wrong: %1. It has been logged; contact an administrator.</translation>
    </message>
    <message>
        <source>本站时钟 %1</source>
        <translation>This station&apos;s clock %1</translation>
    </message>
    <message>
        <source>本站时钟 %1，比最后一条记录（#%2 · %3 · %4）慢 %5</source>
        <translation>This station&apos;s clock %1 is %5 behind the last record (#%2 · %3 · %4)</translation>
    </message>
    <message>
        <source>本站时钟 %1，比最后一条记录（#%2 · %3 · %4）快 %5</source>
        <translation>This station&apos;s clock %1 is %5 ahead of the last record (#%2 · %3 · %4)</translation>
    </message>
    <message>
        <source>%1 天</source>
        <translation>%1 days</translation>
    </message>
    <message>
        <source>%1 小时</source>
        <translation>%1 hours</translation>
    </message>
    <message>
        <source>%1 分钟</source>
        <translation>%1 minutes</translation>
    </message>
</context>
<context>
    <name>RefusedPanel</name>
    <message>
        <source>离线登记未写入</source>
        <translation>Offline check-ins not saved</translation>
    </message>
    <message>
        <source>访客在登记机上已看到“已登记”，但恢复联网后未能写入：请联系访客或代为登记，再标记已处理</source>
        <translation>These visitors saw &quot;checked in&quot; at the kiosk, but the check-in could not be saved when the database came back: contact the visitor or check them in yourself, then mark it handled</translation>
    </message>
    <message>
        <source>到访</source>
        <translation>Arrived</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Mobile</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>登记机</source>
        <translation>Kiosk</translation>
    </message>
    <message>
        <source>已处理</source>
        <translation>Handled</translation>
    </message>
    <message>
        <source>离线登记未写入（%1）</source>
        <translation>Offline check-ins not saved (%1)</translation>
    </message>
    <message>
        <source>已处理 %1</source>
        <translation>Handled %1</translation>
    </message>
</context>
<context>
    <name>ReportEntry</name>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>经纪人</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>客户电话</source>
        <translation>Customer phone</translation>
    </message>
    <message>
        <source>客户姓氏（可选）</source>
        <translation>Customer surname (optional)</translation>
    </message>
    <message>
        <source>如 张女士；不填也可</source>
        <translation>e.g. Ms. Zhang; may be left blank</translation>
    </message>
    <message>
        <source>提交报备</source>
        <translation>Submit report</translation>
    </message>
    <message>
        <source>13812345678 或 138****5678</source>
        <translation>13812345678 or 138****5678</translation>
    </message>
    <message>
        <source>13812345678</source>
        <translation>13812345678</translation>
    </message>
    <message>
        <source>本项目接受完整手机号或前三后四隐号（138****5678）。</source>
        <translation>This project accepts a full mobile number or a masked one showing the first 3 and last 4 digits (138****5678).</translation>
    </message>
    <message>
        <source>本项目要求完整手机号（隐号报备不予受理）。</source>
        <translation>This project requires the full mobile number (masked numbers are not accepted).</translation>
    </message>
    <message>
        <source>请选择渠道</source>
        <translation>Please choose a channel</translation>
    </message>
    <message>
        <source>请选择经纪人</source>
        <translation>Please choose an agent</translation>
    </message>
    <message>
        <source>请输入客户电话</source>
        <translation>Please enter the customer&apos;s phone</translation>
    </message>
    <message>
        <source>已报备 %1：%2</source>
        <translation>Reported %1: %2</translation>
    </message>
</context>
<context>
    <name>ReportImport</name>
    <message>
        <source>选择 Excel 文件…</source>
        <translation>Choose Excel file…</translation>
    </message>
    <message>
        <source>下载模板…</source>
        <translation>Download template…</translation>
    </message>
    <message>
        <source>只看有问题的行</source>
        <translation>Only rows with problems</translation>
    </message>
    <message>
        <source>导入</source>
        <translation>Import</translation>
    </message>
    <message>
        <source>选择渠道的报备表（.xlsx），导入前逐行检查，有问题的行列出行号和原因，不会导入。</source>
        <translation>Choose a channel&apos;s report sheet (.xlsx). Every row is checked before import; rows with problems are listed with row number and reason and are not imported.</translation>
    </message>
    <message>
        <source>行号</source>
        <translation>Row</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>经纪人</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>客户电话</source>
        <translation>Customer phone</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>渠道申报时间</source>
        <translation>Time stated by channel</translation>
    </message>
    <message>
        <source>检查结果</source>
        <translation>Check</translation>
    </message>
    <message>
        <source>选择报备表</source>
        <translation>Choose report sheet</translation>
    </message>
    <message>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbook (*.xlsx)</translation>
    </message>
    <message>
        <source>正在检查 %1 …</source>
        <translation>Checking %1 …</translation>
    </message>
    <message>
        <source>有问题：%1</source>
        <translation>Problem: %1</translation>
    </message>
    <message>
        <source>已导入：%1</source>
        <translation>Imported: %1</translation>
    </message>
    <message>
        <source>（申报时间与入系统时间相差 %1，超过容差）</source>
        <translation> (stated time differs from entry time by %1, beyond the tolerance)</translation>
    </message>
    <message>
        <source>未导入：%1</source>
        <translation>Not imported: %1</translation>
    </message>
    <message>
        <source>可导入</source>
        <translation>Ready to import</translation>
    </message>
    <message>
        <source>工作表“%1”：共 %2 行，可导入 %3 行，有问题 %4 行（不会导入）。</source>
        <translation>Sheet “%1”: %2 rows, %3 ready to import, %4 with problems (not imported).</translation>
    </message>
    <message>
        <source> 已导入 %1 条（待到访 %2，无效 %3），未导入 %4 条。</source>
        <translation> Imported %1 (expected %2, invalid %3), not imported %4.</translation>
    </message>
    <message>
        <source>导入 %1 行</source>
        <translation>Import %1 rows</translation>
    </message>
    <message>
        <source>导入其余 %1 行</source>
        <translation>Import remaining %1 rows</translation>
    </message>
    <message>
        <source>保存报备导入模板</source>
        <translation>Save report import template</translation>
    </message>
    <message>
        <source>报备导入模板.xlsx</source>
        <translation>report-import-template.xlsx</translation>
    </message>
    <message>
        <source>模板已保存：%1</source>
        <translation>Template saved: %1</translation>
    </message>
</context>
<context>
    <name>ReportOutput</name>
    <message>
        <source>导出PDF</source>
        <translation>Export PDF</translation>
    </message>
    <message>
        <source>导出Excel</source>
        <translation>Export Excel</translation>
    </message>
    <message>
        <source>PDF 文件 (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <source>Excel 工作簿 (*.xlsx)</source>
        <translation>Excel workbooks (*.xlsx)</translation>
    </message>
    <message>
        <source>正在生成 %1…</source>
        <translation>Writing %1…</translation>
    </message>
    <message>
        <source>打印</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>正在打印…</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <source>已导出：%1</source>
        <translation>Exported: %1</translation>
    </message>
    <message numerus="yes">
        <source>已发送到打印机：%n 页</source>
        <translation>
            <numerusform>Sent to the printer: %n page</numerusform>
            <numerusform>Sent to the printer: %n pages</numerusform>
        </translation>
    </message>
    <message>
        <source>未能生成报表：%1</source>
        <translation>The report could not be made: %1</translation>
    </message>
</context>
<context>
    <name>ReportWords</name>
    <message>
        <source>待到访</source>
        <translation>Expected</translation>
    </message>
    <message>
        <source>已带访</source>
        <translation>Visited</translation>
    </message>
    <message>
        <source>已过期</source>
        <translation>Expired</translation>
    </message>
    <message>
        <source>无效</source>
        <translation>Invalid</translation>
    </message>
    <message>
        <source>客户已到访过</source>
        <translation>Customer visited before</translation>
    </message>
    <message>
        <source>重复报备</source>
        <translation>Duplicate report</translation>
    </message>
    <message>
        <source>截客（报备过晚）</source>
        <translation>Poaching (reported too late)</translation>
    </message>
    <message>
        <source>报备前已识别到人脸</source>
        <translation>Face seen before the report</translation>
    </message>
    <message>
        <source>黑名单</source>
        <translation>Blacklisted</translation>
    </message>
    <message>
        <source>多次到访未认筹</source>
        <translation>Repeat visits without a pledge</translation>
    </message>
    <message>
        <source>一人多号</source>
        <translation>One person, several numbers</translation>
    </message>
    <message>
        <source>到场未登记</source>
        <translation>On site, not checked in</translation>
    </message>
    <message>
        <source>渠道客户快速成交</source>
        <translation>Quick deal on a channel customer</translation>
    </message>
    <message>
        <source>非归属顾问成交</source>
        <translation>Deal by a non-owning consultant</translation>
    </message>
    <message>
        <source>待确认登记未处理</source>
        <translation>Check-in left unconfirmed</translation>
    </message>
    <message>
        <source>待处理</source>
        <translation>Open</translation>
    </message>
    <message>
        <source>顾问跟进中</source>
        <translation>Consultant following up</translation>
    </message>
    <message>
        <source>经理介入</source>
        <translation>Manager steps in</translation>
    </message>
    <message>
        <source>已解决</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>已排除</source>
        <translation>Dismissed</translation>
    </message>
    <message>
        <source>已拉黑</source>
        <translation>Blacklisted</translation>
    </message>
    <message>
        <source>（%1）</source>
        <translation> (%1)</translation>
    </message>
</context>
<context>
    <name>ReportsPage</name>
    <message>
        <source>报备列表</source>
        <translation>Report list</translation>
    </message>
    <message>
        <source>录入报备</source>
        <translation>Enter report</translation>
    </message>
    <message>
        <source>Excel 导入</source>
        <translation>Excel import</translation>
    </message>
    <message>
        <source>报备</source>
        <translation>Channel reports</translation>
    </message>
    <message>
        <source>全部状态</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <source>全部无效原因</source>
        <translation>All invalid reasons</translation>
    </message>
    <message>
        <source>全部渠道</source>
        <translation>All channels</translation>
    </message>
    <message>
        <source>全部经纪人</source>
        <translation>All agents</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>经纪人</source>
        <translation>Agent</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>报备时间</source>
        <translation>Reported at</translation>
    </message>
    <message>
        <source>客户电话</source>
        <translation>Customer phone</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>无效原因</source>
        <translation>Invalid reason</translation>
    </message>
    <message>
        <source>到访截止</source>
        <translation>Visit by</translation>
    </message>
    <message>
        <source>渠道申报时间</source>
        <translation>Time stated by channel</translation>
    </message>
    <message>
        <source>录入人</source>
        <translation>Entered by</translation>
    </message>
    <message>
        <source>命令行导入</source>
        <translation>Command-line import</translation>
    </message>
</context>
<context>
    <name>ReturningScreen</name>
    <message>
        <source>不是我</source>
        <translation>Not me</translation>
    </message>
    <message>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>您好</source>
        <translation>guest</translation>
    </message>
    <message>
        <source>%1 · %2，是您吗？</source>
        <translation>%1 · %2, is this you?</translation>
    </message>
    <message>
        <source>不是</source>
        <translation>No</translation>
    </message>
    <message>
        <source>欢迎回来，%1 — %2 是您吗？</source>
        <translation>Welcome back, %1 — is %2 your number?</translation>
    </message>
</context>
<context>
    <name>RevealDialog</name>
    <message>
        <source>查看完整号码</source>
        <translation>Show full number</translation>
    </message>
    <message>
        <source>客户 %1（%2）的完整号码只显示一次；本次查看连同原因记入日志。</source>
        <translation>The full number of customer %1 (%2) is shown once only; this view and its reason are recorded in the journal.</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>例如：客户来电要求回拨</source>
        <translation>e.g. customer called asking for a call back</translation>
    </message>
    <message>
        <source>确认查看</source>
        <translation>Show number</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>请写明原因（至少 4 个字）</source>
        <translation>Please give a reason (at least 4 characters)</translation>
    </message>
    <message>
        <source>完整号码：%1</source>
        <translation>Full number: %1</translation>
    </message>
</context>
<context>
    <name>RotationPanel</name>
    <message>
        <source>接待轮序</source>
        <translation>Rotation</translation>
    </message>
    <message>
        <source>今日无人值班</source>
        <translation>Nobody on duty today</translation>
    </message>
    <message>
        <source>忙碌</source>
        <translation>Busy</translation>
    </message>
    <message>
        <source>下一位</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>空闲</source>
        <translation>Free</translation>
    </message>
    <message>
        <source>设为空闲</source>
        <translation>Set free</translation>
    </message>
    <message>
        <source>设为忙碌</source>
        <translation>Set busy</translation>
    </message>
</context>
<context>
    <name>RotationTab</name>
    <message>
        <source>值班（点选后保存）</source>
        <translation>On duty (tap to select, then save)</translation>
    </message>
    <message>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>保存值班</source>
        <translation>Save duty roster</translation>
    </message>
    <message>
        <source>数据库不可用，稍后再试</source>
        <translation>The database is unavailable; please try again later</translation>
    </message>
    <message>
        <source>下一位：%1</source>
        <translation>Next up: %1</translation>
    </message>
    <message>
        <source>无人值班</source>
        <translation>Nobody on duty</translation>
    </message>
    <message>
        <source>▶ 下一位</source>
        <translation>▶ Next</translation>
    </message>
    <message>
        <source>忙碌</source>
        <translation>Busy</translation>
    </message>
    <message>
        <source>空闲</source>
        <translation>Free</translation>
    </message>
</context>
<context>
    <name>RuleTexts</name>
    <message>
        <source>时区</source>
        <translation>Time zone</translation>
    </message>
    <message>
        <source>时钟跳变上限（天）</source>
        <translation>Max clock jump (days)</translation>
    </message>
    <message>
        <source>顾问保护期（天）</source>
        <translation>Protection (days)</translation>
    </message>
    <message>
        <source>跟进间隔上限（天）</source>
        <translation>Follow-up gap (days)</translation>
    </message>
    <message>
        <source>认筹后冻结保护期</source>
        <translation>Freeze on pledge</translation>
    </message>
    <message>
        <source>渠道判客模式</source>
        <translation>Channel mode</translation>
    </message>
    <message>
        <source>报备号码方式</source>
        <translation>Report number</translation>
    </message>
    <message>
        <source>报备后到访时限（小时）</source>
        <translation>Visit within (hours)</translation>
    </message>
    <message>
        <source>防截客时长（分钟）</source>
        <translation>Anti-poaching (minutes)</translation>
    </message>
    <message>
        <source>渠道保护期（天）</source>
        <translation>Channel protection (days)</translation>
    </message>
    <message>
        <source>每日认领上限（个）</source>
        <translation>Daily claim limit</translation>
    </message>
    <message>
        <source>重新认领冷却期（天）</source>
        <translation>Cooling-off (days)</translation>
    </message>
    <message>
        <source>认领后保护期（天）</source>
        <translation>Claim protection (days)</translation>
    </message>
    <message>
        <source>老客户回访不占轮次</source>
        <translation>Return visits keep turn</translation>
    </message>
    <message>
        <source>多次到访预警（次）</source>
        <translation>Repeat visits (count)</translation>
    </message>
    <message>
        <source>多次到访统计期（天）</source>
        <translation>Repeat visit period (days)</translation>
    </message>
    <message>
        <source>快速成交预警（小时）</source>
        <translation>Quick deal warning (hours)</translation>
    </message>
    <message>
        <source>人脸未登记预警（分钟）</source>
        <translation>Face not checked in (minutes)</translation>
    </message>
    <message>
        <source>项目所在地时区：自然日与每日限额按此计算</source>
        <translation>The project&apos;s local time zone: calendar days and daily limits are counted in it</translation>
    </message>
    <message>
        <source>站点时钟超出日志最后一条超过此天数时拒绝写入，待管理员确认</source>
        <translation>Writes are refused when the site clock is this many days past the journal&apos;s last entry, until an administrator confirms</translation>
    </message>
    <message>
        <source>首次有效到访后归属顾问的保护期，回访续期</source>
        <translation>How long the customer belongs to the consultant after the first valid visit; return visits renew it</translation>
    </message>
    <message>
        <source>超过此天数无跟进也无到访，客户提前进入公海</source>
        <translation>With no follow-up and no visit for this many days, the customer goes to the public pool early</translation>
    </message>
    <message>
        <source>认筹后保护期不再到期，直至成交或退筹</source>
        <translation>After a pledge, protection no longer expires until a deal or a refund</translation>
    </message>
    <message>
        <source>报备保护：首个有效报备得客；带看优先：首个带客到访的渠道得客</source>
        <translation>Report protection: the first valid report gets the customer; visit first: the first channel to bring the customer in gets them</translation>
    </message>
    <message>
        <source>渠道报备须给全号，或可用前三后四隐号</source>
        <translation>Channel reports need the full number, or may use the first 3 and last 4 digits</translation>
    </message>
    <message>
        <source>报备后须在此时限内到访，否则报备过期</source>
        <translation>The customer must visit within this time after the report, or the report expires</translation>
    </message>
    <message>
        <source>到访前不足此时长的报备无效（防截客）</source>
        <translation>A report made less than this long before the visit is invalid (anti-poaching)</translation>
    </message>
    <message>
        <source>渠道带访后此天数内成交，佣金归该渠道</source>
        <translation>A deal within this many days after a channel-led visit earns that channel the commission</translation>
    </message>
    <message>
        <source>每位顾问每个自然日可从公海认领的客户数</source>
        <translation>How many customers each consultant may claim from the public pool per calendar day</translation>
    </message>
    <message>
        <source>顾问失去或释放的客户，此天数内不得再认领</source>
        <translation>A consultant cannot reclaim a customer they lost or released for this many days</translation>
    </message>
    <message>
        <source>从公海认领后的保护期</source>
        <translation>Protection period after a claim from the public pool</translation>
    </message>
    <message>
        <source>受保护客户回访归原顾问，不占用其轮次</source>
        <translation>A protected customer&apos;s return visit goes to their consultant without using up the consultant&apos;s turn</translation>
    </message>
    <message>
        <source>统计期内到访达此次数仍未认筹时预警</source>
        <translation>Warn when a customer reaches this many visits in the period without a pledge</translation>
    </message>
    <message>
        <source>多次到访预警的统计天数</source>
        <translation>Days counted for the repeat visit warning</translation>
    </message>
    <message>
        <source>渠道客户首访后此时长内成交时预警</source>
        <translation>Warn when a channel customer closes a deal within this time of the first visit</translation>
    </message>
    <message>
        <source>识别到人脸后此时长内仍未登记时预警</source>
        <translation>Warn when a recognised face has not checked in within this time</translation>
    </message>
    <message>
        <source>报备保护</source>
        <translation>Report protection</translation>
    </message>
    <message>
        <source>带看优先</source>
        <translation>Visit first</translation>
    </message>
    <message>
        <source>全号</source>
        <translation>Full number</translation>
    </message>
    <message>
        <source>前三后四</source>
        <translation>First 3 + last 4</translation>
    </message>
    <message>
        <source>是</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>否</source>
        <translation>No</translation>
    </message>
</context>
<context>
    <name>RulesEditor</name>
    <message>
        <source>还原为现行规则</source>
        <translation>Reset to current rules</translation>
    </message>
    <message>
        <source>保存为新版本</source>
        <translation>Save as new version</translation>
    </message>
    <message>
        <source>立即生效</source>
        <translation>Now</translation>
    </message>
    <message>
        <source>指定时间</source>
        <translation>Scheduled</translation>
    </message>
    <message>
        <source>生效时间</source>
        <translation>Takes effect</translation>
    </message>
    <message>
        <source>例如：集团统一调整保护期</source>
        <translation>e.g. group-wide change to protection period</translation>
    </message>
    <message>
        <source>修改原因</source>
        <translation>Reason for change</translation>
    </message>
    <message>
        <source>未知时区，例如 Asia/Shanghai</source>
        <translation>Unknown time zone; e.g. Asia/Shanghai</translation>
    </message>
    <message>
        <source>请输入整数（%1–%2）</source>
        <translation>Enter a whole number (%1–%2)</translation>
    </message>
    <message>
        <source>应在 %1 到 %2 之间</source>
        <translation>Must be between %1 and %2</translation>
    </message>
    <message>
        <source>生效时间须晚于现在；现在生效请选“立即生效”</source>
        <translation>The time must be in the future; to apply now choose “Now”</translation>
    </message>
    <message>
        <source>最多提前 %1 天</source>
        <translation>At most %1 days ahead</translation>
    </message>
    <message>
        <source>请写明修改原因（至少 %1 个字）</source>
        <translation>Please give a reason for the change (at least %1 characters)</translation>
    </message>
    <message>
        <source>没有修改任何规则：请先改动要调整的规则</source>
        <translation>Nothing changed: change the rules you want to adjust first</translation>
    </message>
</context>
<context>
    <name>RulesPage</name>
    <message>
        <source>规则</source>
        <translation>Rule</translation>
    </message>
    <message>
        <source>现行值</source>
        <translation>Current</translation>
    </message>
    <message>
        <source>默认值</source>
        <translation>Default</translation>
    </message>
    <message>
        <source>说明</source>
        <translation>Meaning</translation>
    </message>
    <message>
        <source>版本</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>生效时间</source>
        <translation>Takes effect</translation>
    </message>
    <message>
        <source>始终</source>
        <translation>Always</translation>
    </message>
    <message>
        <source>修改内容</source>
        <translation>Changes</translation>
    </message>
    <message>
        <source>修改人</source>
        <translation>Changed by</translation>
    </message>
    <message>
        <source>记录时间</source>
        <translation>Recorded at</translation>
    </message>
    <message>
        <source>流水号</source>
        <translation>Journal no.</translation>
    </message>
    <message>
        <source>原因</source>
        <translation>Reason</translation>
    </message>
    <message>
        <source>较早版本</source>
        <translation>Older version</translation>
    </message>
    <message>
        <source>较新版本</source>
        <translation>Newer version</translation>
    </message>
    <message>
        <source>现行规则</source>
        <translation>Current rules</translation>
    </message>
    <message>
        <source>历史版本</source>
        <translation>History</translation>
    </message>
    <message>
        <source>修改规则</source>
        <translation>Change rules</translation>
    </message>
    <message>
        <source>判客规则</source>
        <translation>Attribution rules</translation>
    </message>
    <message>
        <source>以下为默认规则。可在此修改主要几项；其余建站后可在“规则”页修改（留有记录）。</source>
        <translation>These are the default rules. Change the main ones here; the others can be changed later on the Rules page (on record).</translation>
    </message>
    <message>
        <source>其他规则（默认值）</source>
        <translation>Other rules (defaults)</translation>
    </message>
    <message>
        <source>比较版本</source>
        <translation>Compare versions</translation>
    </message>
    <message>
        <source>现行规则：默认规则（未做过修改）</source>
        <translation>Current rules: default rules (never changed)</translation>
    </message>
    <message>
        <source>现行规则：版本 %1，自 %2 起生效，由 %3 修改</source>
        <translation>Current rules: version %1, in effect since %2, changed by %3</translation>
    </message>
    <message>
        <source>版本 %1 将于 %2 自动生效</source>
        <translation>Version %1 takes effect automatically at %2</translation>
    </message>
    <message>
        <source>两个版本相同</source>
        <translation>The two versions are the same</translation>
    </message>
    <message>
        <source>%1 项不同</source>
        <translation>%1 difference(s)</translation>
    </message>
    <message>
        <source>已被取代</source>
        <translation>Superseded</translation>
    </message>
    <message>
        <source>现行</source>
        <translation>Current</translation>
    </message>
    <message>
        <source>待生效</source>
        <translation>Scheduled</translation>
    </message>
    <message>
        <source>默认规则</source>
        <translation>Default rules</translation>
    </message>
    <message>
        <source>版本 %1</source>
        <translation>Version %1</translation>
    </message>
    <message>
        <source>已保存新规则版本（流水号 %1）</source>
        <translation>New rules version saved (journal no. %1)</translation>
    </message>
    <message>
        <source>集团统一调整保护期</source>
        <translation>Group-wide change to protection period</translation>
    </message>
    <message>
        <source>公海认领过多，收紧每日上限</source>
        <translation>Too many pool claims: tighten the daily limit</translation>
    </message>
    <message>
        <source>集团通知：两周后缩短保护期、加强防截客</source>
        <translation>Group notice: shorter protection and stronger anti-poaching from two weeks on</translation>
    </message>
</context>
<context>
    <name>Scan</name>
    <message>
        <source>这不是本项目的预约码</source>
        <translation>This appointment code is not for this project</translation>
    </message>
    <message>
        <source>预约码无效，请联系置业顾问</source>
        <translation>This appointment code is not valid; please contact your property consultant</translation>
    </message>
    <message>
        <source>预约码已过期，请用其他方式登记</source>
        <translation>This appointment code has expired; please check in another way</translation>
    </message>
    <message>
        <source>预约时间未到，请用其他方式登记</source>
        <translation>Your appointment has not started yet; please check in another way</translation>
    </message>
    <message>
        <source>这是其他项目的预约码</source>
        <translation>This appointment code belongs to another project</translation>
    </message>
    <message>
        <source>没有找到此预约，请到前台咨询</source>
        <translation>We could not find this appointment; please ask at the front desk</translation>
    </message>
    <message>
        <source>此预约已取消，请用其他方式登记</source>
        <translation>This appointment was cancelled; please check in another way</translation>
    </message>
    <message>
        <source>此预约码已使用过，请用其他方式登记</source>
        <translation>This appointment code has already been used; please check in another way</translation>
    </message>
    <message>
        <source>暂时无法查询预约，请改用手机号登记</source>
        <translation>Appointments cannot be looked up right now; please use your phone number</translation>
    </message>
</context>
<context>
    <name>SettingsTab</name>
    <message>
        <source>摄像头</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>身份证读卡器端口</source>
        <translation>ID card reader port</translation>
    </message>
    <message>
        <source>语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>登记来源</source>
        <translation>Check-in sources</translation>
    </message>
    <message>
        <source>保存设置</source>
        <translation>Save settings</translation>
    </message>
    <message>
        <source>摄像头 %1</source>
        <translation>Camera %1</translation>
    </message>
    <message>
        <source>无摄像头</source>
        <translation>No camera</translation>
    </message>
    <message>
        <source>无</source>
        <translation>None</translation>
    </message>
    <message>
        <source>至少保留一种登记来源</source>
        <translation>Keep at least one check-in source</translation>
    </message>
    <message>
        <source>已保存，摄像头、读卡器和语言在重启后生效</source>
        <translation>Saved. The camera, card reader and language take effect after a restart</translation>
    </message>
</context>
<context>
    <name>SourceScreen</name>
    <message>
        <source>请问您是怎么了解到本项目的？</source>
        <translation>How did you hear about this project?</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>提交</source>
        <translation>Submit</translation>
    </message>
    <message>
        <source>输入经纪人姓名拼音首字母</source>
        <translation>Type the pinyin initials of the agent&apos;s name</translation>
    </message>
    <message>
        <source>经纪人：%1</source>
        <translation>Agent: %1</translation>
    </message>
    <message>
        <source>请选择渠道和经纪人</source>
        <translation>Please choose the channel and the agent</translation>
    </message>
    <message>
        <source>请选择带您来的经纪人</source>
        <translation>Please choose the agent who brought you</translation>
    </message>
</context>
<context>
    <name>StaffPinScreen</name>
    <message>
        <source>前台登录</source>
        <translation>Front desk sign-in</translation>
    </message>
    <message>
        <source>清空</source>
        <translation>Clear</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Delete</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>进入</source>
        <translation>Enter</translation>
    </message>
    <message>
        <source>暂时无法登录：数据库不可用</source>
        <translation>Cannot sign in right now: the database is unavailable</translation>
    </message>
    <message>
        <source>还没有前台账号：请管理员用 anchang user add 添加</source>
        <translation>There is no front desk account yet: ask an administrator to add one with anchang user add</translation>
    </message>
    <message>
        <source>请先选择您的名字</source>
        <translation>Please choose your name first</translation>
    </message>
    <message>
        <source>此账号不能进入前台模式</source>
        <translation>This account cannot enter front desk mode</translation>
    </message>
    <message>
        <source>错误次数过多，请 %1 秒后再试</source>
        <translation>Too many wrong attempts; please try again in %1 seconds</translation>
    </message>
    <message>
        <source>密码错误</source>
        <translation>Wrong password</translation>
    </message>
</context>
<context>
    <name>StaffScreen</name>
    <message>
        <source>退出前台模式</source>
        <translation>Leave front desk mode</translation>
    </message>
    <message>
        <source>关闭程序</source>
        <translation>Quit the program</translation>
    </message>
    <message>
        <source>为到场客户代为登记：手机号、称呼和来源，登记即为已核实</source>
        <translation>Register a visitor who is here in person: phone number, name and source. A check-in made here counts as verified</translation>
    </message>
    <message>
        <source>开始代客登记</source>
        <translation>Start a check-in for a visitor</translation>
    </message>
    <message>
        <source>前台确认</source>
        <translation>Confirm check-ins</translation>
    </message>
    <message>
        <source>代客登记</source>
        <translation>Check in a visitor</translation>
    </message>
    <message>
        <source>接待轮序</source>
        <translation>Rotation</translation>
    </message>
    <message>
        <source>提醒</source>
        <translation>Alerts</translation>
    </message>
    <message>
        <source>设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>前台：%1</source>
        <translation>Front desk: %1</translation>
    </message>
    <message>
        <source>暂无提醒</source>
        <translation>No alerts</translation>
    </message>
    <message>
        <source>提醒（%1）</source>
        <translation>Alerts (%1)</translation>
    </message>
    <message>
        <source>离线队列文件已损坏，已另存为 %1 并启用新文件</source>
        <translation>The offline queue file was damaged: it was set aside as %1 and a new one started</translation>
    </message>
    <message>
        <source>数据库暂不可用：登记暂存本机</source>
        <translation>Database unavailable: check-ins are kept on this kiosk</translation>
    </message>
    <message>
        <source>写入被拒绝：%1</source>
        <translation>Writes refused: %1</translation>
    </message>
    <message>
        <source>本机暂存 %1 条登记，尚未写入数据库；恢复后自动写入</source>
        <translation>%1 check-ins kept on this kiosk, not yet in the database; they are written automatically once it is back</translation>
    </message>
</context>
<context>
    <name>StartPage</name>
    <message>
        <source>欢迎使用案场通</source>
        <translation>Welcome to Anchang</translation>
    </message>
    <message>
        <source>这台电脑还没有设置。请选择：</source>
        <translation>This computer is not set up yet. Choose:</translation>
    </message>
    <message>
        <source>新建站点</source>
        <translation>New site</translation>
    </message>
    <message>
        <source>这是本案场的第一台电脑：创建数据库、站点密钥和管理员。</source>
        <translation>This is the sales office&apos;s first computer: create the database, the site keys and the administrator.</translation>
    </message>
    <message>
        <source>加入已有站点</source>
        <translation>Join an existing site</translation>
    </message>
    <message>
        <source>本案场已有站点（PostgreSQL）：导入在其他电脑上导出的站点密钥包。</source>
        <translation>The office already has a site (PostgreSQL): import the site key bundle exported on another computer.</translation>
    </message>
    <message>
        <source>本机所有用户共用（推荐）</source>
        <translation>For every user of this computer (recommended)</translation>
    </message>
    <message>
        <source>设置保存在 %1，数据在 %2，anchang 组的成员都能使用。</source>
        <translation>Settings in %1, data in %2; every member of the group anchang can use it.</translation>
    </message>
    <message>
        <source>不可用：%ProgramData%\Anchang 无法写入，请以管理员身份重新运行安装程序。站点只属于您自己。</source>
        <translation>Not available: %ProgramData%\Anchang cannot be written; run the installer again as an administrator. The site is yours alone.</translation>
    </message>
    <message>
        <source>不可用：本机没有 anchang 组（安装 anchang 软件包时创建）。站点只属于您自己。</source>
        <translation>Not available: this computer has no group anchang (the anchang package creates it). The site is yours alone.</translation>
    </message>
    <message>
        <source>不可用：需要管理员把您加入 anchang 组（sudo adduser %1 anchang）后重新登录，或运行 sudo anchang init --system。否则站点只属于您自己。</source>
        <translation>Not available: an administrator must add you to the group anchang (sudo adduser %1 anchang) and you log in again, or run sudo anchang init --system. Otherwise the site is yours alone.</translation>
    </message>
</context>
<context>
    <name>StartProblemWindow</name>
    <message>
        <source>案场通 · 工作台无法启动</source>
        <translation>Anchang · the console cannot start</translation>
    </message>
    <message>
        <source>工作台无法启动</source>
        <translation>The console cannot start</translation>
    </message>
    <message>
        <source>把数据文件夹移到一边…</source>
        <translation>Move the data folder aside…</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>本机的站点密钥不属于该数据库的站点（可能是旧版本在第二台电脑上运行 anchang init 留下的）。出路：把数据文件夹 %1 移到一边（不会删除），然后用密钥包重新加入站点——密钥包由经理在能正常使用的工作台上“站点 → 生成密钥包”制作。</source>
        <translation>This computer&apos;s site keys do not belong to the database&apos;s site (perhaps left by an older version&apos;s anchang init on a second computer). The way out: move the data folder %1 aside (nothing is deleted), then join the site again with a key bundle, which a manager makes at a working console (Site → Make key bundle).</translation>
    </message>
    <message>
        <source>本机有设置，但缺少站点密钥。若本机是已有站点的又一台电脑：把数据文件夹 %1 移到一边（不会删除），再用密钥包加入站点；若本机是站点唯一的电脑：请从离线备份放回密钥文件。</source>
        <translation>This computer has settings but no site keys. If it is another computer of an existing site: move the data folder %1 aside (nothing is deleted), then join the site with a key bundle; if it is the site&apos;s only computer: put the key files back from the offline backup.</translation>
    </message>
    <message>
        <source>本机有站点密钥，但数据库中没有站点（一次未完成的设置）。出路：把数据文件夹 %1 移到一边（不会删除），然后重新设置或加入站点；若数据库文件丢失，请从备份恢复（anchang restore）。</source>
        <translation>This computer has site keys but the database holds no site (a setup that did not finish). The way out: move the data folder %1 aside (nothing is deleted), then set up or join a site again; if the database file was lost, restore it from a backup (anchang restore).</translation>
    </message>
    <message>
        <source>请检查数据库服务器与网络是否正常，然后重新打开工作台；仍不行请联系管理员（原因也已写入日志）。</source>
        <translation>Check that the database server and the network work, then open the console again; if it still fails, call your administrator (the reason is also in the log).</translation>
    </message>
    <message>
        <source>移到一边</source>
        <translation>Move aside</translation>
    </message>
    <message>
        <source>将把 %1 改名为 %2 并保留其中全部文件，不删除任何东西。之后打开首次设置向导。继续吗？</source>
        <translation>%1 will be renamed %2 with every file in it kept; nothing is deleted. The first-run wizard opens next. Go on?</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>未能移动：%1</source>
        <translation>Could not move it: %1</translation>
    </message>
</context>
<context>
    <name>StartScreen</name>
    <message>
        <source>欢迎莅临，请选择登记方式</source>
        <translation>Welcome! Please choose how to check in</translation>
    </message>
    <message>
        <source>离线登记：数据库暂不可用，登记暂存本机，恢复后自动写入</source>
        <translation>Offline: the database is unavailable; check-ins are kept here and saved when it is back</translation>
    </message>
    <message>
        <source>刷脸登记</source>
        <translation>Check in with your face</translation>
    </message>
    <message>
        <source>扫码</source>
        <translation>Scan a code</translation>
    </message>
    <message>
        <source>刷身份证</source>
        <translation>Use my ID card</translation>
    </message>
    <message>
        <source>手机号登记</source>
        <translation>Use my phone number</translation>
    </message>
    <message>
        <source>也可以直接把预约二维码对准摄像头</source>
        <translation>You can also just hold your appointment QR code up to the camera</translation>
    </message>
    <message>
        <source>刷脸登记
（摄像头暂不可用）</source>
        <translation>Check in with your face
(camera not available)</translation>
    </message>
    <message>
        <source>刷脸登记
（暂不可用）</source>
        <translation>Face check-in
(unavailable)</translation>
    </message>
    <message>
        <source>刷脸登记
（正在准备）</source>
        <translation>Check in with your face
(getting ready)</translation>
    </message>
    <message>
        <source>扫码
（摄像头暂不可用）</source>
        <translation>Scan a code
(camera not available)</translation>
    </message>
    <message>
        <source>刷身份证
（未连接读卡器）</source>
        <translation>Use my ID card
(no card reader)</translation>
    </message>
    <message>
        <source>未连接摄像头，请用身份证或手机号登记</source>
        <translation>No camera is connected; please use your ID card or phone number</translation>
    </message>
    <message>
        <source>人脸识别暂不可用，请用手机号、二维码或身份证登记</source>
        <translation>Face recognition is unavailable: please check in by phone, QR code or ID card</translation>
    </message>
    <message>
        <source>摄像头暂不可用，正在重新连接；请用手机号登记</source>
        <translation>Camera unavailable, reconnecting; please check in by phone</translation>
    </message>
    <message>
        <source>摄像头暂不可用，正在重新连接；请用身份证或手机号登记</source>
        <translation>The camera is not available and is reconnecting; please use your ID card or phone number</translation>
    </message>
    <message>
        <source>正在连接摄像头…</source>
        <translation>Connecting to the camera…</translation>
    </message>
    <message>
        <source>摄像头画面暂不可用</source>
        <translation>Camera picture not available</translation>
    </message>
    <message>
        <source>摄像头已恢复：刷脸和扫码登记可用</source>
        <translation>Camera back: face and QR check-in available</translation>
    </message>
    <message>
        <source>摄像头不可用：刷脸和扫码登记已暂停（访客可用手机号或身份证登记），请检查摄像头连接</source>
        <translation>Camera unavailable: face and QR check-in paused (visitors can use phone or ID card); check the camera connection</translation>
    </message>
</context>
<context>
    <name>StationsPage</name>
    <message>
        <source>登记机</source>
        <translation>Kiosk</translation>
    </message>
    <message>
        <source>工作台</source>
        <translation>Console</translation>
    </message>
    <message>
        <source>命令行</source>
        <translation>Command line</translation>
    </message>
    <message>
        <source>每台登记机和工作台以其站点名写入日志。停用的站点（电脑更换、丢失或调走）此后的写入一律被拒绝。</source>
        <translation>Every kiosk and console writes to the journal under its station name. A retired station (computer replaced, lost or moved) has every later write refused.</translation>
    </message>
    <message>
        <source>站点名</source>
        <translation>Station</translation>
    </message>
    <message>
        <source>站点</source>
        <translation>Stations</translation>
    </message>
    <message>
        <source>（本机）</source>
        <translation> (this one)</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>电脑</source>
        <translation>Computer</translation>
    </message>
    <message>
        <source>首次启动</source>
        <translation>First start</translation>
    </message>
    <message>
        <source>最近启动</source>
        <translation>Last start</translation>
    </message>
    <message>
        <source>最近写入</source>
        <translation>Last write</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>在用</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>已停用（%1 于 %2：%3）</source>
        <translation>Retired (by %1 at %2: %3)</translation>
    </message>
    <message>
        <source>停用站点</source>
        <translation>Retire station</translation>
    </message>
    <message>
        <source>请在上表中选择要停用的站点</source>
        <translation>Choose the station to retire in the table above</translation>
    </message>
    <message>
        <source>停用原因，如：电脑更换、丢失</source>
        <translation>Reason, e.g. computer replaced, lost</translation>
    </message>
    <message>
        <source>确认停用</source>
        <translation>Confirm retirement</translation>
    </message>
    <message>
        <source>所选站点：%1</source>
        <translation>Chosen station: %1</translation>
    </message>
    <message>
        <source>请写明停用原因（至少 %1 个字）</source>
        <translation>Give a reason (at least %1 characters)</translation>
    </message>
    <message>
        <source>停用后 %1 的写入一律被拒绝，且不能恢复。确定吗？</source>
        <translation>Once retired, every write of %1 is refused, for good. Are you sure?</translation>
    </message>
    <message>
        <source>已停用站点 %1</source>
        <translation>Station %1 retired</translation>
    </message>
</context>
<context>
    <name>TargetBar</name>
    <message>
        <source>设置目标</source>
        <translation>Set target</translation>
    </message>
    <message>
        <source>%1月累计来访</source>
        <translation>Visits in month %1 so far</translation>
    </message>
    <message>
        <source>%1 组</source>
        <translation>%1 groups</translation>
    </message>
    <message>
        <source>· 月度目标 %1 组</source>
        <translation>· monthly target %1 groups</translation>
    </message>
    <message>
        <source>完成 %1</source>
        <translation>%1 done</translation>
    </message>
    <message>
        <source>· 未设月度目标</source>
        <translation>· no monthly target set</translation>
    </message>
</context>
<context>
    <name>TodayPage</name>
    <message>
        <source>今日</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>我的来访</source>
        <translation>My visits</translation>
    </message>
    <message>
        <source>来访动态</source>
        <translation>Visits</translation>
    </message>
    <message>
        <source>到访</source>
        <translation>Arrived</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>手机</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>首/复访</source>
        <translation>Visit</translation>
    </message>
    <message>
        <source>首访</source>
        <translation>First</translation>
    </message>
    <message>
        <source>复访</source>
        <translation>Return</translation>
    </message>
    <message>
        <source>渠道</source>
        <translation>Channel</translation>
    </message>
    <message>
        <source>接待顾问</source>
        <translation>Consultant</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>已核验</source>
        <translation>Verified</translation>
    </message>
    <message>
        <source>待确认</source>
        <translation>To confirm</translation>
    </message>
    <message>
        <source>停留时长</source>
        <translation>Stay</translation>
    </message>
    <message>
        <source>接待开始</source>
        <translation>Start serving</translation>
    </message>
    <message>
        <source>接待结束</source>
        <translation>Finish serving</translation>
    </message>
    <message>
        <source>选中一条来访后开始或结束接待</source>
        <translation>Select a visit first</translation>
    </message>
    <message>
        <source>今日来访 %1 · 首访 %2 · 复访 %3 · 待确认 %4 · 接待中 %5</source>
        <translation>Visits today %1 · first %2 · return %3 · to confirm %4 · serving %5</translation>
    </message>
    <message>
        <source>我的来访 %1 · 首访 %2 · 复访 %3 · 待确认 %4 · 接待中 %5</source>
        <translation>My visits %1 · first %2 · return %3 · to confirm %4 · serving %5</translation>
    </message>
    <message>
        <source>来访分配的顾问</source>
        <translation>Assigned consultant</translation>
    </message>
    <message>
        <source>自然来访</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>接待中 %1</source>
        <translation>Serving %1</translation>
    </message>
    <message>
        <source>%1 分钟</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>%1 小时 %2 分</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 开始接待</source>
        <translation>%1 started serving</translation>
    </message>
    <message>
        <source>接待结束，停留 %1</source>
        <translation>Finished serving; stayed %1</translation>
    </message>
    <message>
        <source>%1 已设为忙碌</source>
        <translation>%1 set to busy</translation>
    </message>
    <message>
        <source>%1 已设为空闲</source>
        <translation>%1 set to free</translation>
    </message>
    <message>
        <source>%1 %2 到访</source>
        <translation>%1 %2 arrived</translation>
    </message>
</context>
<context>
    <name>Vision</name>
    <message>
        <source>请站到摄像头前</source>
        <translation>Please stand in front of the camera</translation>
    </message>
    <message>
        <source>请一位一位登记</source>
        <translation>One person at a time, please</translation>
    </message>
    <message>
        <source>请走近一点</source>
        <translation>Please come a little closer</translation>
    </message>
    <message>
        <source>请露出完整的脸</source>
        <translation>Please show your whole face</translation>
    </message>
    <message>
        <source>请正对摄像头</source>
        <translation>Please face the camera</translation>
    </message>
    <message>
        <source>光线太暗，请站到亮处</source>
        <translation>Too dark: please step into the light</translation>
    </message>
    <message>
        <source>光线太强，请避开强光</source>
        <translation>Too bright: please move out of the glare</translation>
    </message>
    <message>
        <source>请保持不动</source>
        <translation>Please hold still</translation>
    </message>
    <message>
        <source>请眨眨眼</source>
        <translation>Please blink</translation>
    </message>
    <message>
        <source>请向左转头</source>
        <translation>Please turn your head to the left</translation>
    </message>
    <message>
        <source>请向右转头</source>
        <translation>Please turn your head to the right</translation>
    </message>
    <message>
        <source>请点点头</source>
        <translation>Please nod</translation>
    </message>
    <message>
        <source>未能完成动作，请重试或用手机号登记</source>
        <translation>The check was not completed: try again or check in with your phone number</translation>
    </message>
</context>
<context>
    <name>Visitor</name>
    <message>
        <source>户型</source>
        <translation>Unit type</translation>
    </message>
    <message>
        <source>两房</source>
        <translation>2 bedrooms</translation>
    </message>
    <message>
        <source>三房</source>
        <translation>3 bedrooms</translation>
    </message>
    <message>
        <source>四房及以上</source>
        <translation>4+ bedrooms</translation>
    </message>
    <message>
        <source>面积</source>
        <translation>Floor area</translation>
    </message>
    <message>
        <source>90㎡以下</source>
        <translation>Under 90 ㎡</translation>
    </message>
    <message>
        <source>144㎡以上</source>
        <translation>Over 144 ㎡</translation>
    </message>
    <message>
        <source>预算</source>
        <translation>Budget</translation>
    </message>
    <message>
        <source>300万以下</source>
        <translation>Under ¥3 million</translation>
    </message>
    <message>
        <source>300–500万</source>
        <translation>¥3–5 million</translation>
    </message>
    <message>
        <source>500万以上</source>
        <translation>Over ¥5 million</translation>
    </message>
</context>
<context>
    <name>VisitorScreen</name>
    <message>
        <source>请问怎么称呼您？</source>
        <translation>How should we address you?</translation>
    </message>
    <message>
        <source>常见</source>
        <translation>Common</translation>
    </message>
    <message>
        <source>返回</source>
        <translation>Back</translation>
    </message>
    <message>
        <source>下一步</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>%1%2</source>
        <translation>%2 %1</translation>
    </message>
    <message>
        <source>请选择姓氏和称呼</source>
        <translation>Choose a surname and a title</translation>
    </message>
    <message>
        <source>请选择您的姓氏和称呼</source>
        <translation>Please choose your surname and how to address you</translation>
    </message>
</context>
<context>
    <name>WarningDetail</name>
    <message>
        <source>选择左侧的一条预警</source>
        <translation>Choose a warning on the left</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>归属顾问</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>渠道 / 经纪人</source>
        <translation>Channel / agent</translation>
    </message>
    <message>
        <source>预警时间</source>
        <translation>Raised at</translation>
    </message>
    <message>
        <source>依据规则</source>
        <translation>Rule</translation>
    </message>
    <message>
        <source>依据记录</source>
        <translation>Records</translation>
    </message>
    <message>
        <source>处理记录</source>
        <translation>Handling</translation>
    </message>
    <message>
        <source>处理说明</source>
        <translation>Handling note</translation>
    </message>
    <message>
        <source>写明做了什么、结论是什么（必填）</source>
        <translation>What was done and what was concluded (required)</translation>
    </message>
    <message>
        <source>拉黑对象</source>
        <translation>Blacklist whom</translation>
    </message>
    <message>
        <source>记录跟进</source>
        <translation>Record follow-up</translation>
    </message>
    <message>
        <source>经理介入</source>
        <translation>Manager steps in</translation>
    </message>
    <message>
        <source>已解决</source>
        <translation>Resolved</translation>
    </message>
    <message>
        <source>排除（误报）</source>
        <translation>Dismiss (false alarm)</translation>
    </message>
    <message>
        <source>拉黑</source>
        <translation>Blacklist</translation>
    </message>
    <message>
        <source>预警 #%1：%2</source>
        <translation>Warning #%1: %2</translation>
    </message>
    <message>
        <source>（未登记的来访者）</source>
        <translation>(visitor not checked in)</translation>
    </message>
    <message>
        <source>自然来访</source>
        <translation>Walk-in</translation>
    </message>
    <message>
        <source>%1&#x3000;%2 · %3：%4</source>
        <translation>%1  %2 · %3: %4</translation>
    </message>
    <message>
        <source>尚未处理</source>
        <translation>Not handled yet</translation>
    </message>
    <message>
        <source>请选择</source>
        <translation>Please choose</translation>
    </message>
    <message>
        <source>不拉黑，仅标记预警</source>
        <translation>Don&apos;t blacklist; only mark the warning</translation>
    </message>
    <message>
        <source>客户 %1</source>
        <translation>Customer %1</translation>
    </message>
    <message>
        <source>经纪人 %1（%2）</source>
        <translation>Agent %1 (%2)</translation>
    </message>
    <message>
        <source>渠道 %1</source>
        <translation>Channel %1</translation>
    </message>
    <message>
        <source>此预警已被 %1 处理（%2）。</source>
        <translation>This warning was closed by %1 (%2).</translation>
    </message>
    <message>
        <source>此预警已处理完毕。</source>
        <translation>This warning has been dealt with.</translation>
    </message>
    <message numerus="yes">
        <source>请写明处理说明（至少 %n 个字）</source>
        <translation>
            <numerusform>Please write a handling note (at least %n character)</numerusform>
            <numerusform>Please write a handling note (at least %n characters)</numerusform>
        </translation>
    </message>
    <message>
        <source>请选择要拉黑的对象，或选“不拉黑，仅标记预警”</source>
        <translation>Choose whom to blacklist, or choose “Don&apos;t blacklist; only mark the warning”</translation>
    </message>
    <message>
        <source>预警已更新</source>
        <translation>Warning updated</translation>
    </message>
</context>
<context>
    <name>WarningsPage</name>
    <message>
        <source>待办（未结）</source>
        <translation>To do (open)</translation>
    </message>
    <message>
        <source>全部状态</source>
        <translation>All statuses</translation>
    </message>
    <message>
        <source>全部类型</source>
        <translation>All types</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>编号</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>客户</source>
        <translation>Customer</translation>
    </message>
    <message>
        <source>（未登记）</source>
        <translation>(not checked in)</translation>
    </message>
    <message>
        <source>归属顾问</source>
        <translation>Owner</translation>
    </message>
    <message>
        <source>预警</source>
        <translation>Warnings</translation>
    </message>
    <message>
        <source>准确率</source>
        <translation>Accuracy</translation>
    </message>
    <message>
        <source>已处理 %1 条中确认 %2 条（已解决或已拉黑），排除 %3 条</source>
        <translation>Of %1 handled, %2 confirmed (resolved or blacklisted), %3 dismissed</translation>
    </message>
</context>
<context>
    <name>window</name>
    <message>
        <source>数据库连接中断，正在重连…</source>
        <translation>Database connection lost; reconnecting…</translation>
    </message>
</context>
</TS>
