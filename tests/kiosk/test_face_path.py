"""Face with separate consent: declined → phone path; accepted → guidance, liveness, then a new face
(enrolled under the consent) or a returning visitor who confirms (是 / 不是我)."""

from __future__ import annotations

from typing import Any

from kiosk.checkin import face_key
from kiosk.faces import FAILED, GUIDE, FaceStep
from kiosk.fakes import FakeCamera, ScriptedFaceEngine
from service.store import Store
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window, phone_path, tap, text, until, wait_screen


def face_window(qtbot: Any, store: Store, faces: ScriptedFaceEngine) -> Any:
    window = open_window(qtbot, services_for(store, camera=FakeCamera(), faces=faces))
    until(qtbot, lambda: window.screen("start").face.isEnabled())
    return window


def test_declining_consent_goes_straight_to_the_phone_path(qtbot: Any, store: Store,
                                                           faces: ScriptedFaceEngine) -> None:
    window = face_window(qtbot, store, faces)
    tap(qtbot, window, "choice_face")
    wait_screen(qtbot, window, "consent")
    tap(qtbot, window, "consent_no")
    wait_screen(qtbot, window, "phone")
    phone_path(qtbot, window, "13600001111")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    assert store.face_templates() == []  # no consent, no template
    assert window.screen("done").status == "done"


def test_new_face_is_enrolled_under_the_consent_with_the_visit(qtbot: Any, any_store: Store,
                                                               faces: ScriptedFaceEngine) -> None:
    window = face_window(qtbot, any_store, faces)
    tap(qtbot, window, "choice_face")
    tap(qtbot, window, "consent_yes")
    wait_screen(qtbot, window, "face")
    wait_screen(qtbot, window, "phone")  # guidance, challenge, passed, no match
    consent = window.flow.consent_id
    assert consent is not None and window.flow.face == face_key(consent)
    phone_path(qtbot, window, "13600002222")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    customer = any_store.customer_id("13600002222")
    assert any_store.face_templates() == [(str(customer), faces.template)]
    assert face_key(consent) in any_store.site().customers[customer].faces
    until(qtbot, lambda: faces.added == [(str(customer), faces.template)])


def test_returning_face_is_asked_and_confirmed(qtbot: Any, any_store: Store, faces: ScriptedFaceEngine) -> None:
    any_store.register_visit("13812345678", name="张女士", actor="kiosk")
    consent = any_store.record_consent("v1", "13812345678")
    any_store.enrol_face("13812345678", faces.template, consent)
    window = face_window(qtbot, any_store, faces)
    until(qtbot, lambda: faces.matches != {})  # gallery loaded from the store at start
    tap(qtbot, window, "choice_face")
    tap(qtbot, window, "consent_yes")
    wait_screen(qtbot, window, "returning")
    assert text(window, "returning_question") == "欢迎回来，张女士 — 138****5678 是您吗？"
    tap(qtbot, window, "returning_yes")
    wait_screen(qtbot, window, "source")
    until(qtbot, lambda: window.screen("source").loaded)
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    customer = any_store.customer_id("13812345678")
    assert len(any_store.site().customers[customer].visits) == 2


def test_not_me_goes_on_as_a_new_visitor(qtbot: Any, store: Store, faces: ScriptedFaceEngine) -> None:
    store.register_visit("13812345678", name="张女士", actor="kiosk")
    store.enrol_face("13812345678", faces.template, store.record_consent("v1", "13812345678"))
    window = face_window(qtbot, store, faces)
    until(qtbot, lambda: faces.matches != {})
    tap(qtbot, window, "choice_face")
    tap(qtbot, window, "consent_yes")
    wait_screen(qtbot, window, "returning")
    tap(qtbot, window, "returning_no")
    phone_path(qtbot, window, "13900003333", surname="李", title="title_mr")
    tap(qtbot, window, "submit")
    wait_screen(qtbot, window, "done")
    first = store.site().customers[store.customer_id("13812345678")]
    assert len(first.visits) == 1  # the match was never taken as a verdict


def test_failed_liveness_offers_the_phone_path(qtbot: Any, store: Store) -> None:
    faces = ScriptedFaceEngine(steps=[FaceStep(GUIDE, "请正对摄像头"), FaceStep(FAILED, "")])
    window = face_window(qtbot, store, faces)
    tap(qtbot, window, "choice_face")
    tap(qtbot, window, "consent_yes")
    wait_screen(qtbot, window, "face")
    until(qtbot, lambda: text(window, "face_guidance") == "未能完成刷脸，请用手机号登记")
    tap(qtbot, window, "face_cancel")
    wait_screen(qtbot, window, "phone")
    assert window.flow.template is None


def test_quality_guidance_is_shown_live(qtbot: Any, store: Store) -> None:
    faces = ScriptedFaceEngine(steps=[FaceStep(GUIDE, "请走近一点")] * 1000)
    window = face_window(qtbot, store, faces)
    tap(qtbot, window, "choice_face")
    tap(qtbot, window, "consent_yes")
    wait_screen(qtbot, window, "face")
    until(qtbot, lambda: text(window, "face_guidance") == "请走近一点")


def test_the_face_engine_is_built_after_start_and_the_choice_waits_for_it(qtbot: Any, store: Store) -> None:
    built: list[ScriptedFaceEngine] = []

    def factory() -> ScriptedFaceEngine:
        built.append(ScriptedFaceEngine())
        return built[-1]

    window = open_window(qtbot, services_for(store, camera=FakeCamera(), faces_factory=factory), start=False)
    start = window.screen("start")
    assert not start.face.isEnabled()
    window.start()
    until(qtbot, lambda: start.face.isEnabled())
    assert window.services.faces is built[0]
