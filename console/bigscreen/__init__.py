"""大屏, the big screen for the sales hall's TV: `anchang-console --big-screen`, or 大屏 in the console's
top bar. window.py (the screen), panels.py (cards and figure tiles), tables.py (leaderboard and latest
check-ins, model/view), screen_data.py (what is read, on the worker pool), launch.py (how it opens, and
why it needs no login on its own)."""
