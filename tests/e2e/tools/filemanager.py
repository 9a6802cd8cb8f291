"""A file manager on the D-Bus session bus for the end-to-end tests.

It owns org.freedesktop.FileManager1, as Nautilus, Dolphin or Thunar do, and appends the URIs
of every ShowItems / ShowFolders call to the file named on the command line, one per line.
"""

import sys

from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

NAME = "org.freedesktop.FileManager1"


def main(out: str) -> None:
    conn = open_dbus_connection(bus="SESSION")
    reply = conn.send_and_get_reply(message_bus.RequestName(NAME, 4))  # DO_NOT_QUEUE
    if reply.body[0] != 1:  # PRIMARY_OWNER
        sys.exit(f"{NAME} is already owned on this bus")
    print("ready", flush=True)
    while True:
        msg = conn.receive()
        if msg.header.message_type != MessageType.method_call:
            continue
        member = msg.header.fields.get(HeaderFields.member)
        if member in ("ShowItems", "ShowFolders"):
            with open(out, "a", encoding="utf-8") as f:
                for uri in msg.body[0]:
                    f.write(f"{member} {uri}\n")
            conn.send(new_method_return(msg))
        else:
            conn.send(new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod"))


if __name__ == "__main__":
    main(sys.argv[1])
