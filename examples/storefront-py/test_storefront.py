"""End-to-end tests of the storefront against paychaos's real fake provider
(`paychaos provider`), both over loopback, each test with its own provider
and storefront processes. The provider binary is $PAYCHAOS_BIN, else
/tmp/sf-bin/paychaos, else built with `go build` into a temporary folder.

Run: python3 -m unittest discover -s examples/storefront-py -v
"""

import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SECRET = "whsec_storefront_test"
SK = "sk_test_storefront_0123456789abcd"
ALICE = {"Authorization": "Bearer tok_alice"}
BOB = {"Authorization": "Bearer tok_bob"}
ADMIN = {"Authorization": "Bearer adm_test"}
DEADLINE = 15.0
_bin_lock = threading.Lock()
_bin = None


def provider_binary():
    global _bin
    with _bin_lock:
        if _bin:
            return _bin
        for cand in (os.environ.get("PAYCHAOS_BIN", ""), "/tmp/sf-bin/paychaos"):
            if cand and os.access(cand, os.X_OK):
                _bin = cand
                return _bin
        out = os.path.join(tempfile.mkdtemp(prefix="sf-bin-"), "paychaos")
        subprocess.run(["go", "build", "-o", out, "./cmd/paychaos"], cwd=ROOT, check=True)
        _bin = out
        return _bin


def request(base, method, path, body=None, headers=None, raw=None, timeout=10):
    """request sends one HTTP request without following redirects; it returns (status, headers, parsed body or text)."""
    u = urllib.parse.urlsplit(base + path if path.startswith("/") else path)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        data = raw
        hdrs = dict(headers or {})
        if body is not None and raw is None:
            if isinstance(body, dict) and hdrs.get("Content-Type") == "application/x-www-form-urlencoded":
                data = urllib.parse.urlencode(body).encode()
            else:
                data = json.dumps(body).encode()
                hdrs.setdefault("Content-Type", "application/json")
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body=data, headers=hdrs)
        resp = conn.getresponse()
        text = resp.read()
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text.decode(errors="replace")
        return resp.status, dict(resp.headers), parsed
    finally:
        conn.close()


def start(cleanup, argv, env, marker):
    """start runs a process, registers its stop with cleanup, and returns (proc, the URL it prints after marker, its stderr path)."""
    errf = tempfile.NamedTemporaryFile(prefix="sf-", suffix=".log", delete=False)
    cleanup(os.unlink, errf.name)
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=errf, text=True)

    def stop():
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
        errf.close()

    cleanup(stop)
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if marker in line:
            url = line.split("http://", 1)[1].split()[0]
            return proc, "http://" + url, errf.name
    with open(errf.name) as f:
        raise AssertionError(f"{argv[0]} did not start: {f.read()[-2000:]}")


class Env(unittest.TestCase):
    """Env starts a fake provider and a storefront for each test; with
    shared set, one pair serves the whole class and each test starts from
    a reset provider (the storefront's earlier orders stay, unreferenced)."""

    flaws = ""
    extra = {}
    shared = False

    @classmethod
    def setUpClass(cls):
        if cls.shared:
            cls.boot(cls, cls.addClassCleanup)

    def setUp(self):
        if not self.shared:
            self.boot(self.addCleanup)
            return
        self.assertEqual(request(self.prov, "POST", "/_paychaos/reset")[0], 204)  # keeps the webhook endpoint

    def boot(self, cleanup):
        self.workdir = tempfile.mkdtemp(prefix="storefront-")
        cleanup(shutil.rmtree, self.workdir, True)
        _, self.prov, _ = start(cleanup, [provider_binary(), "provider", "--addr", "127.0.0.1:0", "--seed", "7"],
                                dict(os.environ), "fake provider listening on")
        self.pk = request(self.prov, "GET", "/_paychaos/keys")[2]["publishable_key"]
        env = {"PATH": os.environ.get("PATH", ""), "STOREFRONT_PROVIDER_URL": self.prov, "STOREFRONT_STRIPE_KEY": SK,
               "STOREFRONT_WEBHOOK_SECRET": SECRET, "STOREFRONT_ADDR": "127.0.0.1:0",
               "STOREFRONT_DB": os.path.join(self.workdir, "storefront.db"), "STOREFRONT_FLAWS": self.flaws,
               "STOREFRONT_ADMIN_TOKEN": "adm_test", "STOREFRONT_TIMEOUT": "1", "STOREFRONT_RETRY_BASE": "0.05",
               "STOREFRONT_RECONCILE_INTERVAL": "-1", "STOREFRONT_SEED": "1"}
        env.update(self.extra)
        self.proc, self.base, self.log = start(cleanup, [sys.executable, os.path.join(HERE, "storefront.py")], env, "storefront listening on")
        status, _, body = request(self.prov, "POST", "/_paychaos/webhook_endpoints",
                                  {"url": self.base + "/webhooks/stripe", "secret": SECRET})
        if status != 204:
            raise AssertionError(f"add webhook endpoint: {status} {body}")

    # --- helpers ---------------------------------------------------------

    def order(self, flow="client_confirm", amount=2000, **extra):
        body = {"amount": amount, "currency": "usd", "flow": flow}
        body.update(extra)
        status, _, o = request(self.base, "POST", "/orders", body, ALICE)
        self.assertEqual(status, 201, o)
        return o

    def get(self, oid, who=ALICE):
        return request(self.base, "GET", f"/orders/{oid}", headers=who)

    def wait_status(self, oid, want, deadline=DEADLINE):
        end, o = time.monotonic() + deadline, None
        while time.monotonic() < end:
            o = self.get(oid)[2]
            if o["status"] == want:
                return o
            time.sleep(0.05)  # polling with a deadline
        self.fail(f"order {oid} is {o and o['status']}, want {want}: {o}")

    def confirm(self, client_secret, pm):
        """confirm plays Stripe.js: the browser confirms with the publishable key."""
        pi = client_secret.split("_secret_")[0]
        return request(self.prov, "POST", f"/v1/payment_intents/{pi}/confirm",
                       {"client_secret": client_secret, "payment_method": pm},
                       {"Authorization": "Bearer " + self.pk, "Content-Type": "application/x-www-form-urlencoded"})

    def pay_hosted(self, url, card="4242424242424242"):
        return request(self.prov, "POST", url, {"card": card, "email": "alice@example.com"},
                       {"Content-Type": "application/x-www-form-urlencoded"})

    def logs(self):
        with open(self.log) as f:
            return f.read()

    def ledger(self):
        return request(self.prov, "GET", "/_paychaos/ledger")[2]

    def fault(self, **f):
        status, _, body = request(self.prov, "POST", "/_paychaos/faults", f)
        self.assertEqual(status, 201, body)
        return body["id"]

    def reconcile(self):
        status, _, body = request(self.base, "POST", "/admin/reconcile", headers=ADMIN)
        self.assertEqual(status, 200, body)
        return body

    def signed(self, payload, secret=SECRET, t=None):
        t = int(time.time()) if t is None else t
        sig = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
        return f"t={t},v1={sig}"

    def event(self, typ, obj):
        return json.dumps({"id": "evt_" + secrets.token_hex(8), "object": "event", "type": typ,
                           "api_version": "2026-02-25.clover", "created": int(time.time()),
                           "data": {"object": obj}}).encode()

    def post_event(self, payload, sig):
        return request(self.base, "POST", "/webhooks/stripe", raw=payload,
                       headers={"Stripe-Signature": sig, "Content-Type": "application/json"})


class ClientConfirmTest(Env):
    shared = True

    def test_paid_by_the_browser_and_the_webhook(self):
        o = self.order()
        self.assertEqual(o["status"], "pending")
        self.assertTrue(o["payment_intent"].startswith("pi_"))
        self.assertTrue(o["client_secret"].startswith(o["payment_intent"] + "_secret_"))
        status, _, pi = self.confirm(o["client_secret"], "pm_card_visa")
        self.assertEqual((status, pi["status"]), (200, "succeeded"))
        paid = self.wait_status(o["id"], "paid")
        self.assertEqual(paid["payment_intent"], o["payment_intent"])
        led = self.ledger()
        self.assertEqual(len(led["payment_intents"]), 1)
        self.assertEqual(led["payment_intents"][0].get("metadata") or {}, {}, "the order is joined by its PaymentIntent id, not metadata")
        self.assertEqual(led["unknown_routes"] + led["unknown_params"], 0)

    def test_decline_fails_the_order_and_the_intent_is_closed(self):
        o = self.order()
        status, _, _ = self.confirm(o["client_secret"], "pm_card_chargeDeclined")
        self.assertEqual(status, 402)
        failed = self.wait_status(o["id"], "failed")
        self.assertEqual(failed["failure_code"], "generic_decline")
        self.reconcile()  # cancels the PaymentIntent so that a later card cannot pay a failed order
        pis = {p["id"]: p for p in self.ledger()["payment_intents"]}
        self.assertEqual(pis[o["payment_intent"]]["status"], "canceled")

    def test_three_d_secure(self):
        o = self.order()
        status, _, pi = self.confirm(o["client_secret"], "pm_card_authenticationRequired")
        self.assertEqual((status, pi["status"]), (200, "requires_action"))
        self.assertEqual(self.get(o["id"])[2]["status"], "pending")
        status, _, _ = request(self.prov, "POST", f"/_paychaos/payment_intents/{o['payment_intent']}/authenticate", {"fail": False})
        self.assertEqual(status, 204)
        self.wait_status(o["id"], "paid")

    def test_async_processing_settles_later(self):
        o = self.order()
        status, _, pi = self.confirm(o["client_secret"], "pm_card_processing")
        self.assertEqual((status, pi["status"]), (200, "processing"))
        self.assertEqual(self.get(o["id"])[2]["status"], "pending")
        self.wait_status(o["id"], "paid")

    def test_retries_reuse_the_key_after_a_lost_answer(self):
        fid = self.fault(kind="commit_then_fail", endpoint="POST /v1/payment_intents", mode="drop", count=1)
        o = self.order()
        self.assertTrue(o["payment_intent"])
        self.assertEqual(len(self.ledger()["payment_intents"]), 1, "the retry was replayed, not made again")
        hits = {f["fault"]["id"]: f["hits"] for f in self.ledger()["faults"]}
        self.assertEqual(hits[fid], 1)

    def test_5xx_then_pending_then_reconciled(self):
        self.fault(kind="commit_then_fail", endpoint="POST /v1/payment_intents", status=500, count=3)
        status, _, o = request(self.base, "POST", "/orders", {"amount": 2000, "currency": "usd"}, ALICE)
        self.assertEqual((status, o["status"], o["payment_intent"]), (202, "pending", ""))
        self.reconcile()  # re-sends the create with the order's key: the provider replays it
        o2 = self.get(o["id"])[2]
        self.assertTrue(o2["payment_intent"].startswith("pi_"))
        self.assertEqual(len(self.ledger()["payment_intents"]), 1)
        # its customer never had the client_secret: nobody will pay it, so it is closed
        self.assertEqual((o2["status"], o2["failure_code"]), ("failed", "checkout_not_started"))
        self.assertEqual(self.ledger()["payment_intents"][0]["status"], "canceled")

    def test_a_recovered_session_nobody_saw_is_expired(self):
        self.fault(kind="commit_then_fail", endpoint="POST /v1/checkout/sessions", status=500, count=3)
        status, _, o = request(self.base, "POST", "/orders", {"amount": 2000, "currency": "usd", "flow": "checkout_session"}, ALICE)
        self.assertEqual((status, o["checkout_session"]), (202, ""))
        self.reconcile()
        o2 = self.get(o["id"])[2]
        self.assertEqual((o2["status"], o2["failure_code"]), ("failed", "checkout_not_started"))
        self.assertEqual(self.pay_hosted(o2["checkout_url"])[0], 410)

    def test_rate_limited_is_not_retried_for_ever_and_charges_nothing(self):
        self.fault(kind="rate_limit", endpoint="POST /v1/payment_intents")
        status, _, body = request(self.base, "POST", "/orders", {"amount": 2000, "currency": "usd"}, ALICE)
        self.assertEqual((status, body["error"]["code"]), (503, "provider_unavailable"))
        self.assertEqual(self.ledger()["requests"].get("POST /v1/payment_intents"), 3, "one try and two retries")
        self.assertEqual(self.ledger()["payment_intents"], [])

    def test_not_retried_on_a_plain_4xx(self):
        self.fault(kind="http_error", endpoint="POST /v1/payment_intents", status=400)
        status, _, body = request(self.base, "POST", "/orders", {"amount": 2000, "currency": "usd"}, ALICE)
        self.assertEqual((status, body["error"]["code"]), (502, "provider_rejected"))
        self.assertEqual(self.ledger()["requests"].get("POST /v1/payment_intents"), 1)

    def test_cancel_paid_refunds_and_partial_refund(self):
        o = self.order(amount=3000)
        self.confirm(o["client_secret"], "pm_card_visa")
        self.wait_status(o["id"], "paid")
        status, _, r = request(self.base, "POST", f"/orders/{o['id']}/refund", {"amount": 1000}, ALICE)
        self.assertEqual((status, r["refunded"], r["status"]), (200, 1000, "paid"))
        status, _, r = request(self.base, "POST", f"/orders/{o['id']}/refund", {"amount": 2500}, ALICE)
        self.assertEqual((status, r["error"]["code"]), (422, "refund_exceeds_captured"))
        status, _, c = request(self.base, "POST", f"/orders/{o['id']}/cancel", headers=ALICE)
        self.assertEqual((status, c["status"]), (200, "canceled"))
        refunds = self.ledger()["refunds"]
        self.assertEqual(sorted(r["amount"] for r in refunds), [1000, 2000])

    def test_canceled_pending_order_paid_later_is_refunded(self):
        o = self.order()
        self.fault(kind="away", endpoint="POST /v1/payment_intents/{id}/cancel", count=6)
        status, _, c = request(self.base, "POST", f"/orders/{o['id']}/cancel", headers=ALICE)
        self.assertEqual((status, c["status"]), (200, "canceled"))
        self.confirm(o["client_secret"], "pm_card_visa")  # the browser was quicker than the cancel
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end and not self.ledger()["refunds"]:
            self.reconcile()
        self.assertEqual([r["amount"] for r in self.ledger()["refunds"]], [2000])
        self.assertEqual(self.get(o["id"])[2]["status"], "canceled")


class CheckoutTest(Env):
    shared = True

    def test_paid_on_the_hosted_page(self):
        o = self.order(flow="checkout_session")
        self.assertTrue(o["checkout_session"].startswith("cs_"))
        self.assertIn("/pay/", o["checkout_url"])
        status, hdrs, _ = self.pay_hosted(o["checkout_url"])
        self.assertEqual(status, 303)
        self.assertIn(f"/checkout/return?order={o['id']}&session_id={o['checkout_session']}", hdrs["Location"])
        paid = self.wait_status(o["id"], "paid")
        self.assertTrue(paid["payment_intent"].startswith("pi_"))
        status, _, ret = request(self.base, "GET", hdrs["Location"])
        self.assertEqual((status, ret["status"]), (200, "paid"))

    def test_decline_leaves_the_session_open(self):
        o = self.order(flow="checkout_session")
        status, _, _ = self.pay_hosted(o["checkout_url"], "pm_card_chargeDeclined")
        self.assertEqual(status, 402)
        self.assertEqual(self.get(o["id"])[2]["status"], "pending")
        self.assertEqual(self.pay_hosted(o["checkout_url"])[0], 303)
        self.wait_status(o["id"], "paid")

    def test_three_d_secure_on_the_hosted_page(self):
        o = self.order(flow="checkout_session")
        status, _, _ = self.pay_hosted(o["checkout_url"], "pm_card_authenticationRequired")
        self.assertEqual(status, 200)
        status, _, _ = request(self.prov, "POST", o["checkout_url"].rstrip("/") + "/authenticate", {"result": "complete"},
                               {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 303)
        self.wait_status(o["id"], "paid")

    def test_async_success_and_failure(self):
        good = self.order(flow="checkout_session")
        bad = self.order(flow="checkout_session")
        self.assertEqual(self.pay_hosted(good["checkout_url"], "pm_card_processing")[0], 303)
        self.assertEqual(self.pay_hosted(bad["checkout_url"], "pm_card_processingDeclined")[0], 303)
        self.assertEqual(self.get(good["id"])[2]["status"], "pending", "complete but unpaid is not paid")
        self.wait_status(good["id"], "paid")
        self.assertEqual(self.wait_status(bad["id"], "failed")["failure_code"], "async_payment_failed")

    def test_expired_session_fails_the_order(self):
        o = self.order(flow="checkout_session")
        status, _, _ = request(self.prov, "POST", f"/v1/checkout/sessions/{o['checkout_session']}/expire",
                               headers={"Authorization": "Bearer " + SK})
        self.assertEqual(status, 200)
        self.assertEqual(self.wait_status(o["id"], "failed")["failure_code"], "session_expired")
        self.assertEqual(self.pay_hosted(o["checkout_url"])[0], 410)

    def test_return_without_paying_is_not_paid(self):
        o = self.order(flow="checkout_session")
        status, _, ret = request(self.base, "GET", f"/checkout/return?order={o['id']}&session_id={o['checkout_session']}")
        self.assertEqual((status, ret["status"]), (200, "pending"))

    def test_cancel_expires_the_session(self):
        o = self.order(flow="checkout_session")
        status, _, c = request(self.base, "POST", f"/orders/{o['id']}/cancel", headers=ALICE)
        self.assertEqual((status, c["status"]), (200, "canceled"))
        self.assertEqual(self.pay_hosted(o["checkout_url"])[0], 410)


class ReplayTest(Env):
    def test_a_replayed_session_create_keeps_the_payment_intent(self):
        """A second sender of an order's create (the reconciler racing the
        checkout, as a harness run once caught) gets the provider's replay,
        whose session has no PaymentIntent yet: it must not erase the one
        the order learnt since."""
        o = self.order(flow="checkout_session")
        self.assertEqual(self.pay_hosted(o["checkout_url"])[0], 303)
        paid = self.wait_status(o["id"], "paid")
        sys.path.insert(0, HERE)
        import storefront
        cfg = storefront.Config({"STOREFRONT_PROVIDER_URL": self.prov, "STOREFRONT_STRIPE_KEY": SK,
                                 "STOREFRONT_DB": os.path.join(self.workdir, "storefront.db")})
        other = storefront.Storefront(cfg)
        self.addCleanup(other.close, 0)
        res = other.send_create(other.store.order(o["id"]))
        self.assertEqual((res.kind, res.body["id"]), ("ok", o["checkout_session"]))
        self.assertEqual(self.get(o["id"])[2]["payment_intent"], paid["payment_intent"])
        self.assertEqual(len(self.ledger()["checkout_sessions"]), 1, "the create was replayed")


class WebhookTest(Env):
    shared = True

    def test_forged_stale_and_duplicate_events(self):
        o = self.order()
        payload = self.event("payment_intent.succeeded", {"id": o["payment_intent"], "object": "payment_intent",
                                                          "amount": 2000, "currency": "usd", "status": "succeeded"})
        for sig in ("", "t=1,v1=zz", self.signed(payload, "whsec_other"), "t=%d,v1=%s" % (time.time(), "0" * 64),
                    self.signed(payload, t=int(time.time()) - 301), "v1=" + "0" * 64):
            status, _, body = self.post_event(payload, sig)
            self.assertEqual((status, body["error"]["code"]), (400, "invalid_signature"), sig)
        self.assertEqual(self.get(o["id"])[2]["status"], "pending")
        sig = self.signed(payload)
        self.assertEqual(self.post_event(payload, sig)[2]["result"], "applied")
        self.assertEqual(self.post_event(payload, sig)[2]["result"], "duplicate")

    def test_late_failure_never_moves_a_paid_order_back(self):
        o = self.order()
        self.confirm(o["client_secret"], "pm_card_visa")
        self.wait_status(o["id"], "paid")
        payload = self.event("payment_intent.payment_failed", {"id": o["payment_intent"], "object": "payment_intent",
                                                               "last_payment_error": {"code": "card_declined"}})
        self.assertEqual(self.post_event(payload, self.signed(payload))[0], 200)
        self.assertEqual(self.get(o["id"])[2]["status"], "paid")

    def test_unknown_event_types_are_accepted(self):
        payload = self.event("customer.created", {"id": "cus_x", "object": "customer"})
        status, _, body = self.post_event(payload, self.signed(payload))
        self.assertEqual((status, body["result"]), (200, "ignored"))


class InputTest(Env):
    def test_bad_requests_change_nothing(self):
        cases = [
            ({"amount": 2000, "currency": "usd", "extra": 1}, 400, "unknown_field"),
            ({"amount": 2000, "currency": "xxx"}, 422, "invalid_currency"),
            ({"amount": -5, "currency": "usd"}, 422, "invalid_amount"),
            ({"amount": 10, "currency": "usd"}, 422, "invalid_amount"),
            ({"amount": 2000.5, "currency": "usd"}, 422, "invalid_amount"),
            ({"amount": True, "currency": "usd"}, 422, "invalid_amount"),
            ({"amount": 10 ** 12, "currency": "usd"}, 422, "invalid_amount"),
            ({"currency": "usd"}, 422, "missing_amount"),
            ({"amount": 2000, "currency": "usd", "flow": "server"}, 422, "invalid_flow"),
            ({"items": [{"sku": "mug", "quantity": 1}], "amount": 1, "currency": "usd"}, 422, "amount_mismatch"),
            ({"items": [{"sku": "nope", "quantity": 1}], "currency": "usd"}, 422, "unknown_sku"),
            ([1, 2], 400, "invalid_body"),
        ]
        for body, want, code in cases:
            status, _, got = request(self.base, "POST", "/orders", body, ALICE)
            self.assertEqual((status, got["error"]["code"]), (want, code), body)
        status, _, got = request(self.base, "POST", "/orders", raw=b"{not json", headers={**ALICE, "Content-Type": "application/json"})
        self.assertEqual((status, got["error"]["code"]), (400, "invalid_json"))
        status, _, got = request(self.base, "POST", "/orders", raw=b"a=1", headers={**ALICE, "Content-Type": "text/plain"})
        self.assertEqual(status, 415)
        for size in (20000, (1 << 20) + (1 << 10)):  # the second as paychaos's body-oversized attack sends
            status, _, got = request(self.base, "POST", "/orders", raw=b"{" + b" " * size + b"}", headers={**ALICE, "Content-Type": "application/json"})
            self.assertEqual((status, got["error"]["code"]), (413, "body_too_large"), size)
        status, _, _ = request(self.base, "POST", "/orders", {"amount": 2000, "currency": "usd"})
        self.assertEqual(status, 401)
        self.assertEqual(request(self.base, "GET", "/orders", headers=ALICE)[2], {"orders": []})
        self.assertEqual(self.ledger().get("requests") or {}, {}, "nothing reached the provider")

    def test_a_refused_body_does_not_poison_the_connection(self):
        u = urllib.parse.urlsplit(self.base)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        self.addCleanup(conn.close)
        for path, hdrs in (("/orders/ord_000000000000000000000000/refund", ALICE), ("/orders", {}),
                           ("/orders/../../etc/refund", ALICE)):
            conn.request("POST", path, body=b'{"amount": 100}' + b"GET /x HTTP/1.1\r\n\r\n",
                         headers={**hdrs, "Content-Type": "application/json"})
            resp = conn.getresponse()
            self.assertIn(resp.status, (401, 404), path)
            resp.read()
            conn.request("GET", "/healthz")
            resp = conn.getresponse()
            self.assertEqual(resp.status, 200, f"the request after {path}")
            resp.read()

    def test_items_priced_by_the_server_and_ownership(self):
        status, _, o = request(self.base, "POST", "/orders", {"items": [{"sku": "mug", "quantity": 2}], "currency": "usd"}, ALICE)
        self.assertEqual((status, o["amount"]), (201, 2400))
        self.assertEqual(self.get(o["id"], BOB)[0], 404)
        self.assertEqual(request(self.base, "POST", f"/orders/{o['id']}/cancel", headers=BOB)[0], 404)
        self.assertEqual(request(self.base, "GET", "/orders", headers=BOB)[2], {"orders": []})
        self.assertEqual([x["id"] for x in request(self.base, "GET", "/orders", headers=ALICE)[2]["orders"]], [o["id"]])
        self.assertEqual(self.get(o["id"])[2]["status"], "pending")

    def test_idempotency_key_on_orders(self):
        h = {**ALICE, "Idempotency-Key": "k1"}
        s1, _, a = request(self.base, "POST", "/orders", {"amount": 2000, "currency": "usd"}, h)
        s2, hd, b = request(self.base, "POST", "/orders", {"amount": 2000, "currency": "usd"}, h)
        self.assertEqual((s1, s2, a["id"], hd.get("Idempotent-Replayed")), (201, 200, b["id"], "true"))
        s3, _, c = request(self.base, "POST", "/orders", {"amount": 2100, "currency": "usd"}, h)
        self.assertEqual((s3, c["error"]["code"]), (422, "idempotency_key_reused"))
        self.assertEqual(len(self.ledger()["payment_intents"]), 1)

    def test_healthz_and_graceful_shutdown(self):
        status, _, h = request(self.base, "GET", "/healthz")
        self.assertEqual((status, h["status"]), (200, "ok"))
        self.proc.terminate()
        self.assertEqual(self.proc.wait(timeout=10), 0)
        self.assertNotIn(SK, self.logs(), "the secret key is logged masked only")


class FlawTest(Env):
    """Each flaw changes behaviour the way README.md says; the safe storefront does not."""

    def setUp(self):
        pass  # each subtest starts its own pair with restart

    def restart(self, flaws):
        self.doCleanups()
        self.flaws = flaws
        self.boot(self.addCleanup)

    def wait_event(self, typ):
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            if any(e["type"] == typ for e in self.ledger()["events"]):
                return
            time.sleep(0.05)  # polling with a deadline
        self.fail(f"the provider sent no {typ}")

    def test_trust_return(self):
        for flaws, want in (("", "pending"), ("trust-return", "paid")):
            with self.subTest(flaws=flaws):
                self.restart(flaws)
                o = self.order(flow="checkout_session")
                ret = request(self.base, "GET", f"/checkout/cancel?order={o['id']}")[2]
                self.assertEqual(ret["status"], "pending", "the cancel return proves nothing either way")
                ret = request(self.base, "GET", f"/checkout/return?order={o['id']}&session_id={o['checkout_session']}")[2]
                self.assertEqual(ret["status"], want)

    def test_paid_on_session_complete(self):
        for flaws, want in (("", "failed"), ("paid-on-session-complete", "paid")):
            with self.subTest(flaws=flaws):
                self.restart(flaws)
                o = self.order(flow="checkout_session")
                self.pay_hosted(o["checkout_url"], "pm_card_processingDeclined")
                if want == "paid":
                    self.wait_status(o["id"], "paid")
                self.wait_event("checkout.session.async_payment_failed")
                self.wait_status(o["id"], want)

    def test_ignore_async_failed(self):
        for flaws, want in (("", "failed"), ("ignore-async-failed", "pending")):
            with self.subTest(flaws=flaws):
                self.restart(flaws)
                o = self.order(flow="checkout_session")
                self.pay_hosted(o["checkout_url"], "pm_card_processingDeclined")
                self.wait_event("checkout.session.async_payment_failed")
                self.wait_status(o["id"], want)
                self.reconcile()
                self.assertEqual(self.get(o["id"])[2]["status"], want, "the reconciler agrees")

    def test_signature_any_v1(self):
        for flaws, want in (("", 400), ("signature-any-v1", 200)):
            with self.subTest(flaws=flaws):
                self.restart(flaws)
                o = self.order()
                payload = self.event("payment_intent.succeeded", {"id": o["payment_intent"], "amount": 2000, "currency": "usd"})
                self.assertEqual(self.post_event(payload, self.signed(payload, "whsec_forger"))[0], want)
                self.assertEqual(self.get(o["id"])[2]["status"], "paid" if want == 200 else "pending")

    def test_stale_reconcile(self):
        for flaws, want in (("", "paid"), ("stale-reconcile", "pending")):
            with self.subTest(flaws=flaws):
                self.restart(flaws)
                self.fault(kind="webhook_drop")
                o = self.order()
                self.confirm(o["client_secret"], "pm_card_visa")
                self.reconcile()
                self.assertEqual(self.get(o["id"])[2]["status"], want)

    def test_fresh_key_per_retry(self):
        for flaws, want in (("", [500]), ("fresh-key-per-retry", [500, 500])):
            with self.subTest(flaws=flaws):
                self.restart(flaws)
                o = self.order()
                self.confirm(o["client_secret"], "pm_card_visa")
                self.wait_status(o["id"], "paid")
                self.fault(kind="commit_then_fail", endpoint="POST /v1/refunds", mode="drop", count=1)
                status, _, r = request(self.base, "POST", f"/orders/{o['id']}/refund", {"amount": 500}, ALICE)
                self.assertEqual((status, r["refunded"]), (200, 500))
                self.assertEqual([x["amount"] for x in self.ledger()["refunds"]], want)

    def test_log_secret_key(self):
        for flaws, leaked in (("", False), ("log-secret-key", True)):
            with self.subTest(flaws=flaws):
                self.restart(flaws)
                self.order()
                self.assertEqual(SK in self.logs(), leaked)

    def test_reject_unknown_events(self):
        for flaws, want in (("", 200), ("reject-unknown-events", 400)):
            with self.subTest(flaws=flaws):
                self.restart(flaws)
                payload = self.event("charge.succeeded", {"id": "ch_x", "object": "charge"})
                self.assertEqual(self.post_event(payload, self.signed(payload))[0], want)

    def test_unknown_flaw_is_refused(self):
        env = {"STOREFRONT_PROVIDER_URL": "http://127.0.0.1:9", "STOREFRONT_FLAWS": "nope", "PATH": os.environ.get("PATH", "")}
        p = subprocess.run([sys.executable, os.path.join(HERE, "storefront.py")], env=env, capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown flaw 'nope'; valid: trust-return", p.stderr)


if __name__ == "__main__":
    unittest.main()
