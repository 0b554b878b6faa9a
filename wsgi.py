"""The app a WSGI server (gunicorn) and the ``flask`` command load."""

import gc

from crm import create_app

app = create_app()
# Everything loaded so far (the app, SQLAlchemy's mappers, Babel's and pypinyin's tables) lives
# as long as the process: leave it out of the garbage collector's full passes, which otherwise
# walk its ~350,000 objects and stall a request for up to half a second now and then.
gc.freeze()
