"""`GET /api/live`: server-sent events for the signed-in user (arrivals, number requests, decisions).
A comment line every HEARTBEAT_S keeps proxies and phones from closing a quiet stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from server.sessions import Session, current_session

router = APIRouter(tags=["live"])
HEARTBEAT_S = 15.0


@router.get("/api/live", response_class=StreamingResponse)
async def live(request: Request, session: Session = Depends(current_session)) -> StreamingResponse:  # noqa: B008
    hub = request.app.state.live
    listener = hub.add(session.user)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            while not await request.is_disconnected():
                try:
                    event, data = await asyncio.wait_for(listener.queue.get(), HEARTBEAT_S)
                except TimeoutError:
                    yield ": heartbeat\n\n"
                    continue
                yield f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
        finally:
            hub.remove(listener)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
