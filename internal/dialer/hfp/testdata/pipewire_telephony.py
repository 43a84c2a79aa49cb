'''PipeWire Bluetooth telephony mock template for python3-dbusmock, used by
deskdial's tests.

It follows PipeWire's published interface (spa/plugins/bluez5/
README-Telephony.md and telephony.c): service org.pipewire.Telephony, the
manager /org/pipewire/Telephony (an ObjectManager listing the audio gateways),
one audio gateway per connected phone at /org/pipewire/Telephony/ag<N> with
org.pipewire.Telephony.AudioGateway1 (property Address, method Dial(s)) and
an ObjectManager of its own listing its calls, and call objects at
.../ag<N>/call<M> with org.pipewire.Telephony.Call1 (properties
LineIdentification, IncomingLine, Name, Multiparty, State; method Hangup).
Calls come and go with InterfacesAdded/InterfacesRemoved sent from the audio
gateway's path; states change with org.freedesktop.DBus.Properties
.PropertiesChanged on the call. When a phone disconnects, its calls are
removed first, then the audio gateway, as telephony_ag_destroy does.

Parameters:
  Phones: list of Bluetooth addresses connected at start (default one phone)
  DialReturnsCall: PipeWire 1.4 answered Dial with the call's path; from
    1.5.81 on Dial returns nothing and the call is only announced (default
    False)
  DialError: a D-Bus error name Dial fails with ('' = none)
  CallState: the state a dialled call starts in (default 'dialing')

Test controls (org.freedesktop.DBus.Mock): SetCallState(o, s),
RemoveAudioGateway(o), AddAudioGateway(s) -> o.
'''

import dbus
import dbusmock
from dbusmock import mockobject

BUS_NAME = 'org.pipewire.Telephony'
MAIN_OBJ = '/org/pipewire/Telephony'
MAIN_IFACE = 'org.ofono.Manager'
SYSTEM_BUS = False
IS_OBJECT_MANAGER = False

# Audio gateways keep this prefix also when the manager sits at / (oFono mode).
AG_BASE = '/org/pipewire/Telephony'
OM_IFACE = 'org.freedesktop.DBus.ObjectManager'
AG_IFACE = 'org.pipewire.Telephony.AudioGateway1'
CALL_IFACE = 'org.pipewire.Telephony.Call1'
ERR = 'org.pipewire.Telephony.Error.'


def load(mock, parameters):
    mock.ag_counter = 0
    mock.dial_returns_call = bool(parameters.get('DialReturnsCall', False))
    mock.dial_error = parameters.get('DialError', '')
    mock.call_state = parameters.get('CallState', 'dialing')
    mock.AddMethods(OM_IFACE, [
        ('GetManagedObjects', '', 'a{oa{sa{sv}}}', manager_objects),
    ])
    # For oFono compatibility PipeWire's manager answers GetModems with
    # every audio gateway and no properties (manager_get_managed_objects).
    mock.AddMethods(MAIN_IFACE, [
        ('GetModems', '', 'a{oa{sv}}', lambda self: dbus.Dictionary(
            {dbus.ObjectPath(p): dbus.Dictionary({}, signature='sv') for p in ag_paths()}, signature='oa{sv}')),
    ])
    for addr in parameters.get('Phones', ['00:11:22:33:44:55']):
        add_ag(mock, addr)


def ag_paths():
    return sorted(p for p, o in mockobject.objects.items() if AG_IFACE in o.props)


def manager_objects(manager):
    return dbus.Dictionary({dbus.ObjectPath(p): dbus.Dictionary(
        {AG_IFACE: mockobject.objects[p].props[AG_IFACE]}, signature='sa{sv}')
        for p in ag_paths()}, signature='oa{sa{sv}}')


def call_paths(ag_path):
    return sorted(p for p, o in mockobject.objects.items()
                  if CALL_IFACE in o.props and p.startswith(ag_path + '/'))


def ag_objects(ag):
    return dbus.Dictionary({dbus.ObjectPath(p): dbus.Dictionary(
        {CALL_IFACE: mockobject.objects[p].props[CALL_IFACE]}, signature='sa{sv}')
        for p in call_paths(ag.__dbus_object_path__)}, signature='oa{sa{sv}}')


def add_ag(manager, address):
    path = f'{AG_BASE}/ag{manager.ag_counter}'
    manager.ag_counter += 1
    manager.AddObject(path, AG_IFACE, {
        'Address': dbus.String(address),
        'SpeakerVolume': dbus.Byte(10),
        'MicrophoneVolume': dbus.Byte(10),
    }, [
        ('Dial', 's', 'o' if manager.dial_returns_call else '', dial),
        ('HangupAll', '', '', hangup_all),
    ])
    ag = mockobject.objects[path]
    ag.manager = manager
    ag.call_counter = 0
    ag.AddMethods(OM_IFACE, [('GetManagedObjects', '', 'a{oa{sa{sv}}}', ag_objects)])
    manager.EmitSignal(OM_IFACE, 'InterfacesAdded', 'oa{sa{sv}}', [
        dbus.ObjectPath(path), {AG_IFACE: ag.props[AG_IFACE]}])
    return path


def dial(ag, number):
    manager = ag.manager
    if manager.dial_error:
        raise dbus.exceptions.DBusException('the phone refused the command', name=manager.dial_error)
    # validate_phone_number in telephony.c
    if not (1 <= len(number) <= 80) or any(c not in '0123456789ABCD#*+,' for c in number):
        raise dbus.exceptions.DBusException('Invalid phone number format', name=ERR + 'InvalidFormat')
    path = f'{ag.__dbus_object_path__}/call{ag.call_counter}'
    ag.call_counter += 1
    manager.AddObject(path, CALL_IFACE, {
        'LineIdentification': dbus.String(number),
        'IncomingLine': dbus.String(''),
        'Name': dbus.String(''),
        'Multiparty': dbus.Boolean(False),
        'State': dbus.String(manager.call_state),
    }, [
        ('Hangup', '', '', hangup),
        ('Answer', '', '', ''),
    ])
    mockobject.objects[path].ag = ag
    ag.EmitSignal(OM_IFACE, 'InterfacesAdded', 'oa{sa{sv}}', [
        dbus.ObjectPath(path), {CALL_IFACE: mockobject.objects[path].props[CALL_IFACE]}])
    if manager.dial_returns_call:
        # Dial's reply is sent before the call is announced in 1.4; the
        # mock cannot order them, and the client must cope with either.
        return dbus.ObjectPath(path)
    return None


def set_state(call, state):
    call.Set(CALL_IFACE, 'State', dbus.String(state))
    if state == 'disconnected':
        remove_call(call.__dbus_object_path__)


def remove_call(path):
    call = mockobject.objects[path]
    call.ag.EmitSignal(OM_IFACE, 'InterfacesRemoved', 'oas', [dbus.ObjectPath(path), [CALL_IFACE]])
    call.ag.manager.RemoveObject(path)


def hangup(call):
    if call.Get(CALL_IFACE, 'State') == 'disconnected':
        raise dbus.exceptions.DBusException('Invalid state', name=ERR + 'InvalidState')
    set_state(call, 'disconnected')


def hangup_all(ag):
    for p in call_paths(ag.__dbus_object_path__):
        set_state(mockobject.objects[p], 'disconnected')


@dbus.service.method(dbusmock.MOCK_IFACE, in_signature='os', out_signature='')
def SetCallState(self, path, state):
    '''Test control: the phone reports the call at path in state.'''
    set_state(mockobject.objects[path], state)


@dbus.service.method(dbusmock.MOCK_IFACE, in_signature='o', out_signature='')
def RemoveAudioGateway(self, path):
    '''Test control: the phone goes out of range; its calls go first.'''
    for p in call_paths(path):
        remove_call(p)
    self.EmitSignal(OM_IFACE, 'InterfacesRemoved', 'oas', [dbus.ObjectPath(path), [AG_IFACE]])
    self.RemoveObject(path)


@dbus.service.method(dbusmock.MOCK_IFACE, in_signature='s', out_signature='o')
def AddAudioGateway(self, address):
    '''Test control: a phone connects.'''
    return add_ag(self, address)
