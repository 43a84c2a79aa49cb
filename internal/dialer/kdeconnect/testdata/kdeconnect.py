'''KDE Connect daemon (kdeconnectd) mock template for python3-dbusmock, used
by deskdial's tests.

It follows kdeconnect-kde's D-Bus interface, that is the Q_SCRIPTABLE
members and properties of core/daemon.h, core/device.h and
plugins/share/shareplugin.h: service org.kde.kdeconnect on the session bus;
the daemon at /modules/kdeconnect (org.kde.kdeconnect.daemon:
devices(b onlyReachable, b onlyPaired) -> as, deviceNames(b, b) -> a{ss});
each device at /modules/kdeconnect/devices/<id> (org.kde.kdeconnect.device:
properties name, type, isReachable and isPaired, or isTrusted before 23.04;
loadedPlugins() -> as, hasPlugin(s) -> b, isPluginEnabled(s) -> b); and,
while the share plugin is loaded (the device reachable and paired, the
plugin enabled), /modules/kdeconnect/devices/<id>/share
(org.kde.kdeconnect.device.share: shareUrl(s), shareUrls(as), shareText(s)).

Parameters:
  Devices: list of {"id", "name", "type", "reachable", "paired", "share"}
    (default: one reachable, paired phone with the share plugin)
  Legacy: the device property is isTrusted, as in KDE Connect 22.12
'''

import dbus
from dbusmock import mockobject

BUS_NAME = 'org.kde.kdeconnect'
MAIN_OBJ = '/modules/kdeconnect'
MAIN_IFACE = 'org.kde.kdeconnect.daemon'
SYSTEM_BUS = False

DEVICE_IFACE = 'org.kde.kdeconnect.device'
SHARE_IFACE = 'org.kde.kdeconnect.device.share'
SHARE_PLUGIN = 'kdeconnect_share'

DEFAULT = [{'id': 'a1b2c3d4_e5f6_4711_8899_aabbccddeeff', 'name': 'Pixel 7', 'type': 'smartphone',
            'reachable': True, 'paired': True, 'share': True}]


def load(mock, parameters):
    mock.devs = parameters.get('Devices', DEFAULT)
    paired_prop = 'isTrusted' if parameters.get('Legacy', False) else 'isPaired'
    mock.AddMethods(MAIN_IFACE, [
        ('devices', 'bb', 'as', lambda self, reachable, paired: [
            d['id'] for d in self.devs if (d['reachable'] or not reachable) and (d['paired'] or not paired)]),
        ('deviceNames', 'bb', 'a{ss}', lambda self, reachable, paired: {
            d['id']: d['name'] for d in self.devs if (d['reachable'] or not reachable) and (d['paired'] or not paired)}),
        ('selfId', '', 's', 'ret = "deskdial_test_desktop"'),
        ('announcedName', '', 's', 'ret = "deskdial-test"'),
    ])
    for d in mock.devs:
        path = f'{MAIN_OBJ}/devices/{d["id"]}'
        loaded = d['reachable'] and d['paired'] and d['share']
        plugins = ['kdeconnect_ping', 'kdeconnect_battery'] + ([SHARE_PLUGIN] if loaded else [])
        mock.AddObject(path, DEVICE_IFACE, {
            'name': dbus.String(d['name']),
            'type': dbus.String(d['type']),
            'iconName': dbus.String(d['type']),
            'isReachable': dbus.Boolean(d['reachable']),
            paired_prop: dbus.Boolean(d['paired']),
            'supportedPlugins': dbus.Array(plugins, signature='s'),
        }, [
            ('loadedPlugins', '', 'as', f'ret = {plugins!r}'),
            ('hasPlugin', 's', 'b', f'ret = args[0] in {plugins!r}'),
            ('isPluginEnabled', 's', 'b', f'ret = args[0] != {SHARE_PLUGIN!r} or {bool(d["share"])!r}'),
        ])
        if loaded:
            mock.AddObject(path + '/share', SHARE_IFACE, {}, [
                ('shareUrl', 's', '', ''),
                ('shareUrls', 'as', '', ''),
                ('shareText', 's', '', ''),
            ])
