'''ModemManager mock template for python3-dbusmock, used by deskdial's tests.

It follows the published org.freedesktop.ModemManager1 D-Bus interfaces
(ModemManager 1.20): the manager at /org/freedesktop/ModemManager1 is an
ObjectManager; a modem exports ...Modem and ...Modem.Voice; Voice.CreateCall
makes a ...Call object at /org/freedesktop/ModemManager1/Call/N in state
UNKNOWN; Call.Start moves it to DIALING, Call.Hangup to TERMINATED, and
Voice.DeleteCall removes it. Every state change sets the State and
StateReason properties (PropertiesChanged) and emits Call.StateChanged.

Tests drive the network side with the mock method SetCallState(o, i, u).

Parameters: ModemState (int, MMModemState; default 8 = REGISTERED),
StateFailedReason (int, default 0).
'''

import dbus
import dbusmock
from dbusmock import mockobject

BUS_NAME = 'org.freedesktop.ModemManager1'
MAIN_OBJ = '/org/freedesktop/ModemManager1'
MAIN_IFACE = 'org.freedesktop.ModemManager1'
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

MODEM_IFACE = 'org.freedesktop.ModemManager1.Modem'
VOICE_IFACE = 'org.freedesktop.ModemManager1.Modem.Voice'
CALL_IFACE = 'org.freedesktop.ModemManager1.Call'

# MMCallState and MMCallStateReason from ModemManager-enums.h
CALL_UNKNOWN, CALL_DIALING, CALL_RINGING_OUT, CALL_RINGING_IN, CALL_ACTIVE, CALL_HELD, CALL_WAITING, CALL_TERMINATED = range(8)
REASON_UNKNOWN, REASON_OUTGOING_STARTED, REASON_INCOMING_NEW, REASON_ACCEPTED, REASON_TERMINATED = range(5)
MODEM_STATE_ENABLED = 6
DIRECTION_OUTGOING = 2


def error(name, text):
    return dbus.exceptions.DBusException(text, name='org.freedesktop.ModemManager1.Error.' + name)


def load(mock, parameters):
    mock.AddMethods(MAIN_IFACE, [
        ('ScanDevices', '', '', ''),
        ('SetLogging', 's', '', ''),
    ])
    mock.AddProperty(MAIN_IFACE, 'Version', '1.20.4')
    mock.call_counter = 0

    path = MAIN_OBJ + '/Modem/0'
    mock.AddObject(path, MODEM_IFACE, {
        'State': dbus.Int32(parameters.get('ModemState', 8)),
        'StateFailedReason': dbus.UInt32(parameters.get('StateFailedReason', 0)),
        'PowerState': dbus.UInt32(3),
        'Manufacturer': 'deskdial',
        'Model': 'Mock Modem',
        'EquipmentIdentifier': '350000000000001',
        'Device': '/sys/devices/mock/modem0',
        'UnlockRequired': dbus.UInt32(1),
    }, [
        ('Enable', 'b', '', ''),
    ])
    modem = mockobject.objects[path]
    modem.manager = mock
    modem.AddProperties(VOICE_IFACE, {
        'Calls': dbus.Array([], signature='o'),
        'EmergencyOnly': False,
    })
    modem.AddMethods(VOICE_IFACE, [
        ('CreateCall', 'a{sv}', 'o', create_call),
        ('DeleteCall', 'o', '', delete_call),
        ('ListCalls', '', 'ao', lambda self: self.Get(VOICE_IFACE, 'Calls')),
        ('HangupAll', '', '', hangup_all),
    ])
    mock.object_manager_emit_added(path)


def set_call_state(call, new, reason):
    old = call.Get(CALL_IFACE, 'State')
    call.Set(CALL_IFACE, 'State', dbus.Int32(new))
    call.Set(CALL_IFACE, 'StateReason', dbus.Int32(reason))
    call.EmitSignal(CALL_IFACE, 'StateChanged', 'iiu', [dbus.Int32(old), dbus.Int32(new), dbus.UInt32(reason)])


def create_call(modem, props):
    if modem.Get(MODEM_IFACE, 'State') < MODEM_STATE_ENABLED:
        raise error('Core.WrongState', 'modem not enabled')
    if 'number' not in props or not props['number']:
        raise error('Core.InvalidArgs', "Cannot create call: 'number' not provided")
    manager = modem.manager
    manager.call_counter += 1
    path = f'{MAIN_OBJ}/Call/{manager.call_counter}'
    manager.AddObject(path, CALL_IFACE, {
        'State': dbus.Int32(CALL_UNKNOWN),
        'StateReason': dbus.Int32(REASON_UNKNOWN),
        'Direction': dbus.Int32(DIRECTION_OUTGOING),
        'Number': dbus.String(props['number']),
        'Multiparty': False,
        'AudioPort': '',
        'AudioFormat': dbus.Dictionary({}, signature='sv'),
    }, [
        ('Start', '', '', call_start),
        ('Hangup', '', '', call_hangup),
        ('Accept', '', '', ''),
        ('SendDtmf', 's', '', ''),
    ])
    calls = list(modem.Get(VOICE_IFACE, 'Calls')) + [dbus.ObjectPath(path)]
    modem.Set(VOICE_IFACE, 'Calls', dbus.Array(calls, signature='o'))
    manager.object_manager_emit_added(path)
    modem.EmitSignal(VOICE_IFACE, 'CallAdded', 'o', [dbus.ObjectPath(path)])
    return dbus.ObjectPath(path)


def call_start(call):
    if call.Get(CALL_IFACE, 'State') != CALL_UNKNOWN:
        raise error('Core.WrongState', 'This call was not in unknown state, cannot start it')
    set_call_state(call, CALL_DIALING, REASON_OUTGOING_STARTED)


def call_hangup(call):
    if call.Get(CALL_IFACE, 'State') == CALL_TERMINATED:
        raise error('Core.WrongState', 'This call was already hangup')
    set_call_state(call, CALL_TERMINATED, REASON_TERMINATED)


def delete_call(modem, path):
    calls = [c for c in modem.Get(VOICE_IFACE, 'Calls') if c != path]
    if len(calls) == len(modem.Get(VOICE_IFACE, 'Calls')):
        raise error('Core.NotFound', 'No call found matching this path')
    modem.manager.object_manager_emit_removed(path)
    modem.manager.RemoveObject(path)
    modem.Set(VOICE_IFACE, 'Calls', dbus.Array(calls, signature='o'))
    modem.EmitSignal(VOICE_IFACE, 'CallDeleted', 'o', [dbus.ObjectPath(path)])


def hangup_all(modem):
    for path in modem.Get(VOICE_IFACE, 'Calls'):
        call = mockobject.objects[path]
        if call.Get(CALL_IFACE, 'State') != CALL_TERMINATED:
            set_call_state(call, CALL_TERMINATED, REASON_TERMINATED)


@dbus.service.method(dbusmock.MOCK_IFACE, in_signature='oiu', out_signature='')
def SetCallState(_self, path, state, reason):
    '''Test control: the network moves the call at path to state.'''
    set_call_state(mockobject.objects[path], state, reason)
