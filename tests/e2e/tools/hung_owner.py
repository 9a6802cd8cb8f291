"""Holds a D-Bus name on the session bus and never answers: a run of the app that hangs.

Usage: hung_owner.py NAME. Prints "ready" once it owns NAME, then sleeps, reading nothing, so
every call to NAME waits until the caller gives up.
"""

import sys
import time

from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection


def main(name: str) -> None:
    conn = open_dbus_connection(bus="SESSION")
    reply = conn.send_and_get_reply(message_bus.RequestName(name, 4))  # DO_NOT_QUEUE
    if reply.body[0] != 1:  # PRIMARY_OWNER
        sys.exit(f"{name} is already owned on this bus")
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(sys.argv[1])
