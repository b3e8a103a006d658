"""The Chinese texts vision/ hands the kiosk (quality guidance, liveness steps), marked for translation
in the "Vision" context; the face screen translates them when it shows them. A test keeps this list in
step with vision/."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

VISION_TEXTS = (
    # vision.faces.quality.QualityIssue
    QT_TRANSLATE_NOOP("Vision", "请站到摄像头前"),
    QT_TRANSLATE_NOOP("Vision", "请一位一位登记"),
    QT_TRANSLATE_NOOP("Vision", "请走近一点"),
    QT_TRANSLATE_NOOP("Vision", "请露出完整的脸"),
    QT_TRANSLATE_NOOP("Vision", "请正对摄像头"),
    QT_TRANSLATE_NOOP("Vision", "光线太暗，请站到亮处"),
    QT_TRANSLATE_NOOP("Vision", "光线太强，请避开强光"),
    QT_TRANSLATE_NOOP("Vision", "请保持不动"),
    # vision.liveness.Step
    QT_TRANSLATE_NOOP("Vision", "请眨眨眼"),
    QT_TRANSLATE_NOOP("Vision", "请向左转头"),
    QT_TRANSLATE_NOOP("Vision", "请向右转头"),
    QT_TRANSLATE_NOOP("Vision", "请点点头"),
    # kiosk.faces
    QT_TRANSLATE_NOOP("Vision", "未能完成动作，请重试或用手机号登记"),
)

# The sources and titles a project starts with (service.reception.DEFAULT_SOURCES, kiosk.flow.TITLES): their
# names are data, shown through translate("Kiosk", name); a project's own sources stay as typed.
DATA_TEXTS = (
    QT_TRANSLATE_NOOP("Kiosk", "自然来访"),
    QT_TRANSLATE_NOOP("Kiosk", "渠道带访"),
    QT_TRANSLATE_NOOP("Kiosk", "全民经纪人"),
    QT_TRANSLATE_NOOP("Kiosk", "线上平台"),
    QT_TRANSLATE_NOOP("Kiosk", "老业主推荐"),
    QT_TRANSLATE_NOOP("Kiosk", "先生"),
    QT_TRANSLATE_NOOP("Kiosk", "女士"),
)
