"""Who a face is gets looked up while the visitor answers the liveness challenge: the gallery search and
the store's read start as soon as the attempt hands over the embedding, the greeting waits for the
challenge, and a failed embedding leads to the phone path with nothing to enrol."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from kiosk.faces import CHALLENGE, PASSED, FaceStep
from kiosk.fakes import FakeCamera, ScriptedFaceEngine
from service.store import Store
from tests.kiosk.conftest import services_for
from tests.kiosk.helpers import open_window, tap, text, until, wait_screen

TEMPLATE = b"\x05" * 512


@dataclass
class GatedAttempt:
    """The face is usable from the first frame (its embedding still being computed); the challenge is
    answered when the test says so."""

    embedding: Future[bytes]
    answered: threading.Event

    def feed(self, frame: Any, t: float) -> FaceStep:
        if self.answered.is_set():
            return FaceStep(PASSED, embedding=self.embedding)
        return FaceStep(CHALLENGE, "请眨眨眼", embedding=self.embedding)


@dataclass
class GatedEngine(ScriptedFaceEngine):
    embedding: Future[bytes] = field(default_factory=Future)
    answered: threading.Event = field(default_factory=threading.Event)
    searched: list[bytes] = field(default_factory=list)

    def attempt(self) -> GatedAttempt:  # type: ignore[override]
        return GatedAttempt(self.embedding, self.answered)

    def match(self, template: bytes) -> str | None:
        self.searched.append(template)
        return super().match(template)


def face_screen(qtbot: Any, store: Store, faces: GatedEngine) -> Any:
    window = open_window(qtbot, services_for(store, camera=FakeCamera(), faces=faces))
    until(qtbot, lambda: window.screen("start").face.isEnabled())
    tap(qtbot, window, "choice_face")
    tap(qtbot, window, "consent_yes")
    wait_screen(qtbot, window, "face")
    return window


def test_the_lookup_runs_during_the_challenge_and_the_greeting_follows_it(qtbot: Any, any_store: Store) -> None:
    any_store.register_visit("13812345678", name="张女士", actor="kiosk")
    any_store.enrol_face("13812345678", TEMPLATE, any_store.record_consent("v1", "13812345678"))
    faces = GatedEngine()
    window = face_screen(qtbot, any_store, faces)
    until(qtbot, lambda: faces.matches != {})  # the gallery, loaded from the store
    until(qtbot, lambda: text(window, "face_guidance") == "请眨眨眼")
    assert faces.searched == []  # the embedding is not there yet: nothing to search with
    faces.embedding.set_result(TEMPLATE)
    until(qtbot, lambda: faces.searched == [TEMPLATE])
    qtbot.wait(100)
    assert window.current == "face"  # found, but not greeted before the challenge is answered
    faces.answered.set()
    wait_screen(qtbot, window, "returning")
    assert text(window, "returning_question") == "欢迎回来，张女士 — 138****5678 是您吗？"
    assert window.flow.template == TEMPLATE


def test_a_failed_embedding_leads_to_the_phone_path_with_nothing_to_enrol(qtbot: Any, store: Store) -> None:
    faces = GatedEngine()
    window = face_screen(qtbot, store, faces)
    faces.embedding.set_exception(RuntimeError("the embedding worker process died"))
    faces.answered.set()
    wait_screen(qtbot, window, "phone")
    assert window.flow.template is None and faces.searched == []


def test_the_store_read_names_the_visitor_with_their_face_and_nobody_once_erased(any_store: Store) -> None:
    from kiosk.checkin import face_key
    from kiosk.lookup import known_visitor

    consent = any_store.record_consent("v1")
    any_store.register_visit("13812345678", name="张女士", face=face_key(consent), actor="kiosk")
    customer = any_store.customer_id("13812345678")
    assert customer is not None
    known = known_visitor(any_store, customer)
    assert known is not None
    assert (known.phone, known.display, known.masked, known.face) == (
        "+8613812345678", "张女士", "138****5678", face_key(consent))
    any_store.forget("13812345678")
    assert known_visitor(any_store, customer) is None
