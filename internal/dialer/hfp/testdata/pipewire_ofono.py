'''PipeWire's telephony in oFono mode (bluez5.telephony.provide-ofono), for
python3-dbusmock: the same objects as pipewire_telephony.py, but the service
owns org.ofono on the system bus and its manager sits at /, as telephony.c
does when ofono service compatibility is on.
'''

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pipewire_telephony import *  # noqa: E402,F401,F403  (load and the test controls)

BUS_NAME = 'org.ofono'
MAIN_OBJ = '/'
SYSTEM_BUS = True
