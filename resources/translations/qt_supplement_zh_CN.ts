<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<!-- Qt's own strings that Qt 6's qtbase_zh_CN.qm lacks (their sources gained a mnemonic "&" since it was
     translated), so Qt's dialogs showed them in English in the Chinese UI. Loaded after qtbase_zh_CN by
     ui/i18n.py; compiled with `pyside6-lrelease qt_supplement_zh_CN.ts` (tests/ui/test_qt_chinese.py
     fails when a Qt dialog the stations open shows English, or when the .qm is stale). -->
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>QPrintSettingsOutput</name>
    <message>
        <source>Page &amp;Set:</source>
        <translation>页面组(&amp;S)：</translation>
    </message>
    <message>
        <source>All Pages</source>
        <translation>全部页面</translation>
    </message>
    <message>
        <source>Odd Pages</source>
        <translation>奇数页面</translation>
    </message>
    <message>
        <source>Even Pages</source>
        <translation>偶数页面</translation>
    </message>
</context>
</TS>
