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
;  the kiosk at every logon, and the system site's folder %ProgramData%\Anchang (configuration and data of
;  every user of this PC, db/site_dirs.py), which the local Users group may modify. The uninstaller keeps
;  that folder unless its data section is ticked (or `Uninstall.exe /S /DELETEDATA`); a per-user site
;  (%LOCALAPPDATA%\anchang of whoever set it up) is never its to delete.

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
; %ProgramData%\Anchang: $APPDATA is %ProgramData% only after SetShellVarContext all (else the
; Roaming folder of the account running the installer or the uninstaller).
!define SYSTEM_SITE "$APPDATA\Anchang"
; BUILTIN\Users by its SID: the group's name is translated on localized Windows.
!define USERS_SID "*S-1-5-32-545"

; The zbar DLLs of the QR reader import MSVCR120.dll (Visual C++ 2013); installer/anchang.spec puts it beside
; them. Without it the kiosk would read QR codes through OpenCV only, so no installer is made.
!if ! /FileExists "${DIST}/_internal/pyzbar/msvcr120.dll"
  !error "缺少 Visual C++ 2013 运行库 / ${DIST}/_internal/pyzbar/msvcr120.dll is missing: installer/README.md, Build on Windows"
!endif

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"
!include "FileFunc.nsh"
!include "Sections.nsh"

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

  ; The system site's folder, for `anchang init --system` or the first-run wizard to fill. Its members are
  ; the local Users group (the Linux package's group anchang): they may create and change files in it,
  ; inherited by what is created below it. Granted again on an upgrade (the same grant twice is one).
  CreateDirectory "${SYSTEM_SITE}"
  nsExec::ExecToLog '"$SYSDIR\icacls.exe" "${SYSTEM_SITE}" /grant ${USERS_SID}:(OI)(CI)M'
  Pop $0
  ${If} $0 != 0
    DetailPrint "icacls: $0"
    MessageBox MB_ICONEXCLAMATION|MB_OK \
      "无法为 Users 组设置 ${SYSTEM_SITE} 的修改权限（icacls：$0），其他用户将无法使用本机站点。请管理员运行：$\r$\nicacls $\"${SYSTEM_SITE}$\" /grant ${USERS_SID}:(OI)(CI)M$\r$\n$\r$\nCould not let the Users group modify ${SYSTEM_SITE} (icacls: $0); other users cannot use this PC's site until an administrator runs the command above." \
      /SD IDOK
  ${EndIf}
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
  RMDir "${SYSTEM_SITE}"  ; only when empty: no site was set up in it
  DeleteRegKey HKLM "${REGKEY}"
SectionEnd

Var DeleteData  ; 1: Uninstall.exe /DELETEDATA

; Unticked unless asked: a site's database, keys and backups outlive the program. It deletes the system site
; this installer made, never the data of the administrator who runs the uninstaller.
Section /o "un.本机站点数据（数据库、密钥、备份）/ This PC's site data (database, keys, backups)" SecUnData
  SetShellVarContext all
  ${If} $DeleteData == 1
  ${AndIf} ${Silent}
    Goto remove  ; Uninstall.exe /S /DELETEDATA: asked for on the command line
  ${EndIf}
  MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 \
    "将永久删除本机站点 ${SYSTEM_SITE}（数据库、密钥和备份），无法恢复。各用户自己的站点（%LOCALAPPDATA%\anchang）不受影响。继续吗？$\r$\nThis permanently deletes this PC's site ${SYSTEM_SITE} (database, keys and backups). Each user's own site (%LOCALAPPDATA%\anchang) is not touched. Continue?" \
    /SD IDNO IDYES remove
  DetailPrint "本机站点已保留 / kept ${SYSTEM_SITE}"
  Goto done
  remove:
    ClearErrors
    RMDir /r "${SYSTEM_SITE}"
    ${If} ${Errors}
      DetailPrint "未能全部删除 / could not delete all of ${SYSTEM_SITE}"
      MessageBox MB_ICONEXCLAMATION|MB_OK \
        "${SYSTEM_SITE} 中仍有文件未删除（是否有程序正在运行？）/ Some files in ${SYSTEM_SITE} were not deleted (is a program still running?)" \
        /SD IDOK
    ${Else}
      DetailPrint "已删除 / removed ${SYSTEM_SITE}"
    ${EndIf}
  done:
SectionEnd

; After the sections: it selects SecUnData.
Function un.onInit
  SetRegView 64
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/DELETEDATA" $1
  ${IfNot} ${Errors}
    StrCpy $DeleteData 1
    !insertmacro SelectSection ${SecUnData}
  ${EndIf}
FunctionEnd

!insertmacro MUI_UNFUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnProgram} "程序文件与开始菜单项 / the program files and Start menu entries"
  !insertmacro MUI_DESCRIPTION_TEXT ${SecUnData} "仅在勾选时删除 ${SYSTEM_SITE}；各用户自己的站点不删除 / deletes ${SYSTEM_SITE} only when ticked; per-user sites stay"
!insertmacro MUI_UNFUNCTION_DESCRIPTION_END
