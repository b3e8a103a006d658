;  Windows installer of Anchang 案场通, built with NSIS 3 from the PyInstaller one-folder build
;  (installer/anchang.spec on Windows: build\installer\dist\anchang\ with anchang.exe, anchang-kiosk.exe,
;  anchang-console.exe and _internal\). From the repository root (installer/README.md):
;      makensis /DVERSION=0.1.0 installer\windows\anchang.nsi
;  -> build\installer\AnchangSetup-0.1.0.exe. /DDIST=folder and /DOUTFILE=file override the defaults.
;  Paths read at compile time use "/" (makensis takes it on Windows and on Linux alike) and are relative to
;  this file's folder, where makensis runs a script (so no -NOCD).
;
;  Installs into Program Files\Anchang (an upgrade replaces the program files, never the data), Start
;  menu entries for the kiosk, the console and the `anchang` command, an optional section that starts
;  the kiosk at every logon, and an uninstaller that keeps each user's data directory
;  (%LOCALAPPDATA%\anchang: databases, keys, backups) unless its own section is ticked.

Unicode true
SetCompressor /SOLID lzma

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef DIST
  !define DIST "../../build/installer/dist/anchang"
!endif
!ifndef OUTFILE
  !define OUTFILE "../../build/installer/AnchangSetup-${VERSION}.exe"
!endif
!define ICONS "../icons"
!define REGKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Anchang"
!define MENU "$SMPROGRAMS\案场通 Anchang"
!define STARTUP_LINK "案场通 来访登记.lnk"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"

Name "案场通 Anchang ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\Anchang"
InstallDirRegKey HKLM "${REGKEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "Anchang ${VERSION}"

!define MUI_ICON "${ICONS}/anchang-console.ico"
!define MUI_UNICON "${ICONS}/anchang-console.ico"
!define MUI_ABORTWARNING
!define MUI_COMPONENTSPAGE_SMALLDESC
!define MUI_FINISHPAGE_RUN "$INSTDIR\anchang-console.exe"
!define MUI_FINISHPAGE_RUN_TEXT "打开案场通工作台 / Open the Anchang console"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "案场通需要 64 位 Windows / Anchang needs 64-bit Windows."
    Abort
  ${EndIf}
  SetRegView 64
FunctionEnd

Function un.onInit
  SetRegView 64
FunctionEnd

Section "!案场通 Anchang" SecProgram
  SectionIn RO
  SetOutPath "$INSTDIR"
  ; An upgrade: the previous version's libraries go first, so none of them lingers beside the new ones.
  ; The data directories are elsewhere; each program backs its database up and migrates it at first start.
  RMDir /r "$INSTDIR\_internal"
  File "${DIST}/anchang.exe"
  File "${DIST}/anchang-kiosk.exe"
  File "${DIST}/anchang-console.exe"
  File /r "${DIST}/_internal"
  File "${ICONS}/anchang-kiosk.ico"
  File "${ICONS}/anchang-console.ico"
  WriteUninstaller "$INSTDIR\Uninstall.exe"

  SetShellVarContext all
  CreateDirectory "${MENU}"
  CreateShortcut "${MENU}\案场通 来访登记 (Kiosk).lnk" "$INSTDIR\anchang-kiosk.exe" "" "$INSTDIR\anchang-kiosk.ico"
  CreateShortcut "${MENU}\案场通 工作台 (Console).lnk" "$INSTDIR\anchang-console.exe" "" "$INSTDIR\anchang-console.ico"
  CreateShortcut "${MENU}\案场通 命令行 (anchang).lnk" "$SYSDIR\cmd.exe" '/K "cd /d "$INSTDIR" && anchang --help"' "$INSTDIR\anchang-console.ico"
  CreateShortcut "${MENU}\卸载 案场通 (Uninstall).lnk" "$INSTDIR\Uninstall.exe"

  WriteRegStr HKLM "${REGKEY}" "DisplayName" "案场通 Anchang"
  WriteRegStr HKLM "${REGKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${REGKEY}" "Publisher" "Anchang"
  WriteRegStr HKLM "${REGKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${REGKEY}" "DisplayIcon" "$INSTDIR\anchang-console.ico"
  WriteRegStr HKLM "${REGKEY}" "UninstallString" '"$INSTDIR\Uninstall.exe"'
  WriteRegDWORD HKLM "${REGKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${REGKEY}" "NoRepair" 1
SectionEnd

Section /o "开机启动来访登记 / Start the kiosk at logon" SecAutostart
  SetShellVarContext all
  CreateShortcut "$SMSTARTUP\${STARTUP_LINK}" "$INSTDIR\anchang-kiosk.exe" "" "$INSTDIR\anchang-kiosk.ico"
SectionEnd

!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecProgram} "来访登记、工作台与 anchang 命令 / the kiosk, the console and the anchang command"
  !insertmacro MUI_DESCRIPTION_TEXT ${SecAutostart} "任何用户登录时全屏打开来访登记（之后可在启动文件夹中删除）/ opens the kiosk full screen whenever a user logs on"
!insertmacro MUI_FUNCTION_DESCRIPTION_END

Section "un.程序 / Program" SecUnProgram
  SectionIn RO
  SetShellVarContext all
  Delete "$SMSTARTUP\${STARTUP_LINK}"
  RMDir /r "${MENU}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\anchang.exe"
  Delete "$INSTDIR\anchang-kiosk.exe"
  Delete "$INSTDIR\anchang-console.exe"
  Delete "$INSTDIR\anchang-kiosk.ico"
  Delete "$INSTDIR\anchang-console.ico"
  Delete "$INSTDIR\Uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${REGKEY}"
SectionEnd

; Unticked unless asked: a site's database, keys and backups outlive the program.
Section /o "un.数据目录（数据库、密钥、备份）/ Data directory (database, keys, backups)" SecUnData
  SetShellVarContext current
  MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 \
    "将永久删除 $LOCALAPPDATA\anchang（数据库、密钥和备份），无法恢复。继续吗？$\r$\nThis permanently deletes $LOCALAPPDATA\anchang (database, keys and backups). Continue?" \
    /SD IDNO IDYES remove
  DetailPrint "数据目录已保留 / kept $LOCALAPPDATA\anchang"
  Goto done
  remove:
    RMDir /r "$LOCALAPPDATA\anchang"
    DetailPrint "已删除 / removed $LOCALAPPDATA\anchang"
  done:
SectionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnProgram} "程序文件与开始菜单项 / the program files and Start menu entries"
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnData} "仅在勾选时删除本用户的数据目录 / deletes this user's data directory only when ticked"
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END
