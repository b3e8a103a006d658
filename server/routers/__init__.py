"""One router per resource; each takes the signed-in Desk from server/sessions.py."""
