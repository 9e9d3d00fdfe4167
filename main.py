"""Entry point for the Android build (buildozer runs main.py); on a desktop use scripts/tablet.sh."""

import sys

from mobile.ui.__main__ import main

if __name__ == "__main__":
    sys.exit(main([]))
