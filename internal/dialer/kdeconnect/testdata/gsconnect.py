'''GSConnect mock template for python3-dbusmock, used by deskdial's tests.

It follows GSConnect's published D-Bus interface
(data/org.gnome.Shell.Extensions.GSConnect.xml) and what its service does
(src/service/manager.js, plugins/share.js): service
org.gnome.Shell.Extensions.GSConnect on the session bus, an ObjectManager at
/org/gnome/Shell/Extensions/GSConnect, each device at .../Device/<id> with
org.gnome.Shell.Extensions.GSConnect.Device (properties Connected, Id, Name,
Paired, Type, IconName, EncryptionInfo) and its GActions on org.gtk.Actions;
the share plugin's "shareUri" action (parameter s) is there while the plugin
is on, and enabled while the device is connected.

Parameters:
  Devices: list of {"id", "name", "type", "connected", "paired", "share"}
'''

import dbus
from dbusmock import mockobject

BUS_NAME = 'org.gnome.Shell.Extensions.GSConnect'
MAIN_OBJ = '/org/gnome/Shell/Extensions/GSConnect'
MAIN_IFACE = 'org.gtk.Actions'
SYSTEM_BUS = False
IS_OBJECT_MANAGER = True

DEVICE_IFACE = 'org.gnome.Shell.Extensions.GSConnect.Device'
ACTIONS_IFACE = 'org.gtk.Actions'

DEFAULT = [{'id': 'a1b2c3d4e5f6', 'name': 'Galaxy S24', 'type': 'phone',
            'connected': True, 'paired': True, 'share': True}]


def describe(dev, name):
    if name not in dev.actions:
        raise dbus.exceptions.DBusException(f'The action {name} does not exist',
                                            name='org.freedesktop.DBus.Error.InvalidArgs')
    return (dbus.Boolean(dev.actions[name]), dbus.Signature('s'), dbus.Array([], signature='v'))


def load(mock, parameters):
    mock.AddMethods(MAIN_IFACE, [('List', '', 'as', 'ret = []')])
    for d in parameters.get('Devices', DEFAULT):
        path = f'{MAIN_OBJ}/Device/{d["id"]}'
        mock.AddObject(path, DEVICE_IFACE, {
            'Connected': dbus.Boolean(d['connected']),
            'EncryptionInfo': dbus.String(''),
            'Id': dbus.String(d['id']),
            'Name': dbus.String(d['name']),
            'Paired': dbus.Boolean(d['paired']),
            'IconName': dbus.String('smartphone-symbolic'),
            'Type': dbus.String(d['type']),
        }, [])
        dev = mockobject.objects[path]
        dev.actions = {'ping': d['connected']}
        if d['share']:
            dev.actions['shareUri'] = d['connected'] and d['paired']
        dev.AddMethods(ACTIONS_IFACE, [
            ('List', '', 'as', lambda self: sorted(self.actions)),
            ('Describe', 's', '(bgav)', describe),
            ('Activate', 'sava{sv}', '', ''),
        ])
        mock.object_manager_emit_added(path)
