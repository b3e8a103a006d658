"""Everything the kiosk sees: camera, faces, liveness, gallery, QR codes and ID cards.

Qt-free and store-free by contract (see pyproject's import-linter rules): long work runs in plain
threads with callbacks, which the kiosk wraps in Qt signals. Nothing here downloads anything at run
time; face models come from the `face-recognition-models` package.
"""
