import sys

from formsvc import create_app
from formsvc.config import ConfigError

try:
    app = create_app()
except ConfigError as error:  # a word to the operator, not a traceback
    sys.exit(f"formsvc cannot start: {error}")
