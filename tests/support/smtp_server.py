#!/usr/bin/env python3
"""A real SMTP server for the mail tests (Debian's python3-aiosmtpd).

STARTTLS with the certificate the test made (required before MAIL FROM), and
every accepted message written to MAILDIR as NNNN.json: envelope sender and
recipients, the decoded Subject, Message-ID and text body, and when it was
accepted (UTC ms, for the mail benchmark). Prints
"listening PORT" once it accepts connections and serves until SIGTERM.

  --fail-first N     answer the first N messages' DATA with 451 (try later)
  --reject-rcpt TEXT answer RCPT TO with 550 for addresses containing TEXT
"""
import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


class Handler:
    def __init__(self, maildir, fail_first, reject_rcpt):
        self.maildir = maildir
        self.fail_left = fail_first
        self.reject_rcpt = reject_rcpt
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_rcpt and self.reject_rcpt in address:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_left > 0:
            self.fail_left -= 1
            return "451 4.3.0 Mailbox busy, try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "from": str(message["From"]),
            "to": str(message["To"]),
            "body": body.get_content() if body else "",
            "tls": session.ssl is not None,
            "accepted_at_ms": int(time.time() * 1000),
        }
        self.count += 1
        name = os.path.join(self.maildir, "%04d.json" % self.count)
        with open(name + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.rename(name + ".tmp", name)
        return "250 2.0.0 Queued as %04d" % self.count


class TlsController(Controller):
    def __init__(self, handler, context, **kwargs):
        self.context = context
        super().__init__(handler, **kwargs)

    def factory(self):
        return SMTP(self.handler, tls_context=self.context, require_starttls=True, enable_SMTPUTF8=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--reject-rcpt", default="")
    args = parser.parse_args()

    os.makedirs(args.maildir, exist_ok=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    port = args.port
    if port == 0:
        import socket
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    controller = TlsController(Handler(args.maildir, args.fail_first, args.reject_rcpt), context,
                               hostname="127.0.0.1", port=port)
    controller.start()
    print("listening %d" % port, flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    sys.exit(main())
