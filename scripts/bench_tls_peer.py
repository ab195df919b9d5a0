#!/usr/bin/env python3
"""A Python asyncio + ssl peer for the TLS benchmark: handshake with each
HOST:PORT given, take the leaf's SHA-1 thumbprint, send a plain GET and read
the bounded answer, all at once. Prints {"HOST:PORT": "THUMBPRINT", ...}.
Loopback only (the benchmark passes its lab's addresses)."""

import asyncio
import hashlib
import json
import ssl
import sys


async def probe(ctx, target, timeout):
    host, port = target.rsplit(":", 1)
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, int(port), ssl=ctx), timeout)
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        writer.write(b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\n\r\n")
        await writer.drain()
        page = await asyncio.wait_for(reader.read(4096), timeout)
        writer.close()
        if b"configured successfully" not in page:
            return target, None
        return target, hashlib.sha1(der).hexdigest().upper()
    except Exception:
        return target, None


async def main():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    targets = sys.argv[1:]
    results = await asyncio.gather(*(probe(ctx, t, 2.0) for t in targets))
    print(json.dumps(dict(results)))


asyncio.run(main())
