import sys

from formsvc import create_app
from formsvc.config import ConfigError

# gunicorn stops (instead of booting workers for ever) when a worker exits with this code.
WORKER_BOOT_ERROR = 3

try:
    app = create_app()
except ConfigError as error:  # a word to the operator, not a traceback
    print(f"formsvc cannot start: {error}", file=sys.stderr)
    sys.exit(WORKER_BOOT_ERROR)
