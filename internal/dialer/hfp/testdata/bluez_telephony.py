'''BlueZ mock template for python3-dbusmock, used by deskdial's tests: the
devices of org.bluez.Device1 and, optionally, the experimental hands-free
telephony of BlueZ 5.86 and later.

It follows BlueZ's published documentation (doc/org.bluez.Device.rst,
doc/org.bluez.Telephony.rst, doc/org.bluez.Call.rst) and what
profiles/audio/telephony.c and hfp-hf.c do: service org.bluez on the system
bus, an ObjectManager at /, devices at /org/bluez/hci0/dev_<ADDR>, one
org.bluez.Telephony1 object per connected phone at <device>/telephony<N>
(properties UUID, SupportedURISchemes, State, Service, Signal, Roaming,
BattChg, OperatorName, InbandRingtone; method Dial(s uri) taking "tel:" and
the number), and org.bluez.Call1 objects at <telephony>/call<M> (properties
LineIdentification, IncomingLine, Name, Multiparty, State; method Hangup).
BlueZ's Dial replies with no value once the phone accepted ATD (its
documentation announces an object path); the call appears through
InterfacesAdded.

Parameters:
  Devices: list of [address, alias] (default one phone)
  Telephony: whether the phones have org.bluez.Telephony1 (default True)
  DialError: a D-Bus error name Dial fails with ('' = none)

Test controls (org.freedesktop.DBus.Mock): SetCallState(o, s),
DisconnectDevice(s address).
'''

import dbus
import dbusmock
from dbusmock import mockobject

BUS_NAME = 'org.bluez'
MAIN_OBJ = '/'
MAIN_IFACE = 'org.bluez.AgentManager1'
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

ADAPTER_IFACE = 'org.bluez.Adapter1'
DEVICE_IFACE = 'org.bluez.Device1'
TEL_IFACE = 'org.bluez.Telephony1'
CALL_IFACE = 'org.bluez.Call1'
HFP_AG_UUID = '0000111f-0000-1000-8000-00805f9b34fb'


def load(mock, parameters):
    mock.AddMethods(MAIN_IFACE, [
        ('RegisterAgent', 'os', '', ''),
        ('UnregisterAgent', 'o', '', ''),
        ('RequestDefaultAgent', 'o', '', ''),
    ])
    mock.dial_error = parameters.get('DialError', '')
    mock.tel_counter = 0
    adapter = '/org/bluez/hci0'
    mock.AddObject(adapter, ADAPTER_IFACE, {
        'Address': dbus.String('00:AA:01:00:00:01'),
        'Name': dbus.String('deskdial-test'),
        'Alias': dbus.String('deskdial-test'),
        'Powered': dbus.Boolean(True),
    }, [])
    for addr, alias in parameters.get('Devices', [['00:11:22:33:44:55', 'Pixel 7']]):
        path = f'{adapter}/dev_{addr.replace(":", "_")}'
        mock.AddObject(path, DEVICE_IFACE, {
            'Address': dbus.String(addr),
            'Name': dbus.String(alias),
            'Alias': dbus.String(alias),
            'Adapter': dbus.ObjectPath(adapter),
            'Paired': dbus.Boolean(True),
            'Trusted': dbus.Boolean(True),
            'Connected': dbus.Boolean(True),
            'UUIDs': dbus.Array([HFP_AG_UUID], signature='s'),
        }, [])
        mock.object_manager_emit_added(path)
        if parameters.get('Telephony', True):
            add_telephony(mock, path)


def add_telephony(mock, dev_path):
    path = f'{dev_path}/telephony{mock.tel_counter}'
    mock.tel_counter += 1
    mock.AddObject(path, TEL_IFACE, {
        'UUID': dbus.String(HFP_AG_UUID),
        'SupportedURISchemes': dbus.Array(['tel'], signature='s'),
        'State': dbus.String('connected'),
        'Service': dbus.Boolean(True),
        'Signal': dbus.Byte(4),
        'Roaming': dbus.Boolean(False),
        'BattChg': dbus.Byte(5),
        'OperatorName': dbus.String('Mock Mobile'),
        'InbandRingtone': dbus.Boolean(False),
    }, [
        ('Dial', 's', '', dial),
        ('HangupAll', '', '', hangup_all),
    ])
    tel = mockobject.objects[path]
    tel.manager = mock
    tel.call_counter = 1  # HFP call indexes (+CLCC) start at 1
    mock.object_manager_emit_added(path)


def call_paths(prefix):
    return sorted(p for p, o in mockobject.objects.items()
                  if CALL_IFACE in o.props and p.startswith(prefix + '/'))


def dial(tel, uri):
    mock = tel.manager
    if mock.dial_error:
        raise dbus.exceptions.DBusException('Command Dial failed: 1', name=mock.dial_error)
    if not uri.startswith('tel:'):
        raise dbus.exceptions.DBusException('Invalid arguments in method call', name='org.bluez.Error.InvalidArguments')
    number = uri[len('tel:'):]
    path = f'{tel.__dbus_object_path__}/call{tel.call_counter}'
    tel.call_counter += 1
    mock.AddObject(path, CALL_IFACE, {
        'LineIdentification': dbus.String(number),
        'IncomingLine': dbus.String(''),
        'Name': dbus.String(''),
        'Multiparty': dbus.Boolean(False),
        'State': dbus.String('dialing'),
    }, [
        ('Hangup', '', '', hangup),
        ('Answer', '', '', ''),
    ])
    mockobject.objects[path].manager = mock
    mock.object_manager_emit_added(path)


def remove(mock, path):
    mock.object_manager_emit_removed(path)
    mock.RemoveObject(path)


def set_state(call, state):
    call.Set(CALL_IFACE, 'State', dbus.String(state))
    if state == 'disconnected':
        remove(call.manager, call.__dbus_object_path__)


def hangup(call):
    set_state(call, 'disconnected')


def hangup_all(tel):
    for p in call_paths(tel.__dbus_object_path__):
        set_state(mockobject.objects[p], 'disconnected')


@dbus.service.method(dbusmock.MOCK_IFACE, in_signature='os', out_signature='')
def SetCallState(self, path, state):
    '''Test control: the phone reports the call at path in state.'''
    set_state(mockobject.objects[path], state)


@dbus.service.method(dbusmock.MOCK_IFACE, in_signature='s', out_signature='')
def DisconnectDevice(self, address):
    '''Test control: the phone goes out of range.'''
    dev = f'/org/bluez/hci0/dev_{address.replace(":", "_")}'
    for p in call_paths(dev):
        remove(self, p)
    for p, o in list(mockobject.objects.items()):
        if TEL_IFACE in o.props and p.startswith(dev + '/'):
            remove(self, p)
    mockobject.objects[dev].Set(DEVICE_IFACE, 'Connected', dbus.Boolean(False))
