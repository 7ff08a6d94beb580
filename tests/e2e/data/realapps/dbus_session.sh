# dbus-daemon, forked as a daemon, on a unix socket (EXTERNAL
# authentication: the peer's credentials), queried by dbus-send.
dir=$(mktemp -d); cd "$dir" || exit 1
cat > bus.conf <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=$dir/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>
CONF
dbus-daemon --config-file=bus.conf --fork --print-pid=3 3>pid; echo "daemon rc=$?"
export DBUS_SESSION_BUS_ADDRESS=unix:path=$dir/bus
dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.ListNames | grep -c 'string "org.freedesktop.DBus"'
dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetId | grep -c string
dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.example.none | tail -1
dbus-send --session --print-reply --dest=org.example.none /x org.example.X.Y 2>&1 | sed 's/^Error \([^:]*\):.*/Error \1/'
kill $(cat pid); echo "kill rc=$?"
cd / && rm -rf "$dir"
