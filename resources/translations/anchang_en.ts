<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="zh_CN">
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
        <source>已登记，等待同步</source>
        <translation>Checked in, waiting to sync</translation>
    </message>
    <message>
        <source>%1 · 系统恢复后自动提交，请稍候</source>
        <translation>%1 · It will be sent automatically once the system is back; please wait a moment</translation>
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
        <source>到访提醒：%1 已到，归属置业顾问 %2</source>
        <translation>Arrival: %1 is here; their consultant is %2</translation>
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
        <source>这不是有效的手机号，请检查</source>
        <translation>This is not a valid mobile number; please check it</translation>
    </message>
    <message>
        <source>号码正确</source>
        <translation>Number looks right</translation>
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
        <source>待确认 %1 位</source>
        <translation>%1 awaiting confirmation</translation>
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
        <source>操作未完成：%1</source>
        <translation>Not done: %1</translation>
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
        <source>欢迎回来，%1 — %2 是您吗？</source>
        <translation>Welcome back, %1 — is %2 your number?</translation>
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
    <message>
        <source>操作未完成：%1</source>
        <translation>Not done: %1</translation>
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
        <source>预约已确认，请输入手机号完成登记</source>
        <translation>Appointment confirmed; please enter your mobile number to finish checking in</translation>
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
        <source>演示视频</source>
        <translation>Demo video</translation>
    </message>
    <message>
        <source>摄像头 %1</source>
        <translation>Camera %1</translation>
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
    <message>
        <source>保存失败：%1</source>
        <translation>Could not save: %1</translation>
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
</context>
<context>
    <name>StartScreen</name>
    <message>
        <source>欢迎莅临，请选择登记方式</source>
        <translation>Welcome! Please choose how to check in</translation>
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
</TS>
