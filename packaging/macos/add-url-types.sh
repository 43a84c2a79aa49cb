#!/bin/sh
# Adds tel: and callto: URL types to a packaged deskdial.app, because
# fyne.io/tools v1.7.4 cannot write CFBundleURLTypes from FyneApp.toml.
#   packaging/macos/add-url-types.sh path/to/deskdial.app
set -eu
app=${1:?usage: add-url-types.sh path/to/deskdial.app}
plist="$app/Contents/Info.plist"
pb=/usr/libexec/PlistBuddy
[ -f "$plist" ] || { echo "add-url-types: no $plist" >&2; exit 1; }

# Start from a clean entry so running the script twice does not add twice.
"$pb" -c "Delete :CFBundleURLTypes" "$plist" 2>/dev/null || true
"$pb" -c "Add :CFBundleURLTypes array" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0 dict" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0:CFBundleURLName string io.github.deskdial.call" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0:CFBundleTypeRole string Viewer" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0:CFBundleURLSchemes array" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0:CFBundleURLSchemes:0 string tel" "$plist"
"$pb" -c "Add :CFBundleURLTypes:0:CFBundleURLSchemes:1 string callto" "$plist"

# Changing Info.plist breaks an existing signature: sign again ad hoc, then
# tell Launch Services about the new schemes.
codesign --force --deep --sign - "$app" 2>/dev/null || true
/System/Library/Frameworks/CoreServices.framework/Frameworks/LaunchServices.framework/Support/lsregister -f "$app"
echo "add-url-types: $app now offers to open tel: and callto: links"
