"""storefront: a checkout service in Python's standard library that takes
payments through a Stripe-compatible API (Stripe, or paychaos's fake
provider) the way real services do: client-side confirmation of a
PaymentIntent (Payment Element style) and hosted Checkout Sessions.

It keeps the provider's ids (PaymentIntent, Checkout Session) on the order,
retries like Stripe's libraries, verifies signed webhooks, and reconciles
pending orders in the background. Every safeguard can be switched off by a
named flaw (STOREFRONT_FLAWS) so that paychaos can prove its checks bite.
See README.md for the configuration, the HTTP contract and the flaws.
"""

import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import re
import secrets
import signal
import socketserver
import sqlite3
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

# FLAWS maps each switchable flaw to what it breaks (README.md has the
# invariant that must catch each).
FLAWS = {
    "trust-return": "the success_url return marks the order paid without asking the provider",
    "paid-on-session-complete": "checkout.session.completed marks paid even when payment_status is unpaid",
    "ignore-async-failed": "an async Checkout payment that fails leaves the order pending for ever",
    "signature-any-v1": "a webhook with any well-formed v1 signature is accepted",
    "stale-reconcile": "the reconciler trusts the provider status cached on the order",
    "fresh-key-per-retry": "each retry of a provider call sends a new Idempotency-Key",
    "log-secret-key": "provider requests are logged with their Authorization header",
    "reject-unknown-events": "signed events of types it does not handle are answered 400",
}

FLOWS = ("client_confirm", "checkout_session")
STATUSES = ("pending", "paid", "failed", "canceled", "refunded")
CATALOGUE = {"tshirt": 2500, "mug": 1200, "sticker": 300, "hoodie": 4999}
MIN_AMOUNT = {"usd": 50, "eur": 50, "gbp": 30}
MAX_BODY = 16 * 1024
MAX_DRAIN = 8 << 20  # an oversized body up to this is read and dropped before the 413
TOLERANCE = 300
SIGNATURE_HEX = re.compile(r"^[0-9a-f]{64}$")
KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")
ORDER_ID_RE = re.compile(r"^ord_[0-9a-f]{24}$")


class ConfigError(Exception):
    """A bad environment variable, with the fix in the message."""


def _number(env, name, default, kind, low):
    """_number reads a numeric environment variable, at least low (None: any)."""
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        v = kind(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: want {'an integer' if kind is int else 'a number of seconds'}") from None
    if low is not None and v < low:
        raise ConfigError(f"{name}={raw!r}: want a number >= {low}")
    return v


def parse_flaws(raw):
    """parse_flaws reads STOREFRONT_FLAWS; an unknown name is an error naming the valid ones."""
    out = set()
    for name in (n.strip() for n in raw.split(",")):
        if not name:
            continue
        if name not in FLAWS:
            raise ConfigError(f"STOREFRONT_FLAWS: unknown flaw {name!r}; valid: {', '.join(FLAWS)}")
        out.add(name)
    return out


class Config:
    """Config is the service's configuration, read from environment variables."""

    def __init__(self, env):
        self.provider_url = env.get("STOREFRONT_PROVIDER_URL", "").rstrip("/")
        if not self.provider_url.startswith(("http://", "https://")):
            raise ConfigError("STOREFRONT_PROVIDER_URL: required, an http(s) URL such as http://127.0.0.1:12111")
        if self.provider_url.endswith("/v1"):
            self.provider_url = self.provider_url[: -len("/v1")]
        self.secret_key = env.get("STOREFRONT_STRIPE_KEY", "sk_test_storefront")
        if not self.secret_key.startswith(("sk_", "rk_")):
            raise ConfigError("STOREFRONT_STRIPE_KEY: want a secret key (sk_…)")
        self.webhook_secret = env.get("STOREFRONT_WEBHOOK_SECRET", "")
        port = env.get("STOREFRONT_PORT", "")
        addr = env.get("STOREFRONT_ADDR", "")
        if port and addr:
            raise ConfigError("STOREFRONT_ADDR and STOREFRONT_PORT: set one of them")
        if port:
            addr = "127.0.0.1:" + port
        host, sep, p = (addr or "127.0.0.1:8090").rpartition(":")
        if not sep or not p.isdigit() or int(p) > 65535:
            raise ConfigError(f"STOREFRONT_ADDR={addr!r}: want host:port (port 0 picks a free one)")
        self.host, self.port = host or "127.0.0.1", int(p)
        self.public_url = env.get("STOREFRONT_PUBLIC_URL", "").rstrip("/")
        self.db_path = env.get("STOREFRONT_DB", "storefront.db")
        self.flaws = parse_flaws(env.get("STOREFRONT_FLAWS", ""))
        self.flow = env.get("STOREFRONT_FLOW", "client_confirm")
        if self.flow not in FLOWS:
            raise ConfigError(f"STOREFRONT_FLOW={self.flow!r}: want one of {', '.join(FLOWS)}")
        self.customers = {}
        for pair in env.get("STOREFRONT_CUSTOMERS", "tok_alice=cus_alice,tok_bob=cus_bob").split(","):
            tok, sep, cus = pair.strip().partition("=")
            if not sep or not tok or not cus:
                raise ConfigError(f"STOREFRONT_CUSTOMERS: {pair!r}: want token=customer,token2=customer2")
            self.customers[tok] = cus
        self.admin_token = env.get("STOREFRONT_ADMIN_TOKEN", "")
        self.timeout = _number(env, "STOREFRONT_TIMEOUT", 2.0, float, 0.001)
        self.max_retries = _number(env, "STOREFRONT_MAX_RETRIES", 2, int, 0)
        self.retry_base = _number(env, "STOREFRONT_RETRY_BASE", 0.5, float, 0)
        self.reconcile_interval = _number(env, "STOREFRONT_RECONCILE_INTERVAL", 2.0, float, None)
        self.abandon_after = _number(env, "STOREFRONT_ABANDON_AFTER", 900.0, float, 0)
        self.max_amount = _number(env, "STOREFRONT_MAX_AMOUNT", 1000000, int, 1)
        self.currencies = [c.strip() for c in env.get("STOREFRONT_CURRENCIES", "usd,eur,gbp").split(",") if c.strip()]
        for c in self.currencies:
            if c not in MIN_AMOUNT:
                raise ConfigError(f"STOREFRONT_CURRENCIES: {c!r}: supported are {', '.join(MIN_AMOUNT)}")
        seed = env.get("STOREFRONT_SEED", "")
        self.seed = int(seed) if seed.lstrip("-").isdigit() else None


def mask(key):
    """mask shows a key as Stripe's dashboard does: its kind and last four."""
    if len(key) < 12:
        return "****"
    kind = key.split("_")
    prefix = "_".join(kind[:2]) + "_" if len(kind) > 2 else key[:3]
    return prefix + "****" + key[-4:]


def log(**fields):
    """log writes one JSON line to stderr."""
    fields.setdefault("ts", round(time.time(), 3))
    sys.stderr.write(json.dumps(fields, sort_keys=True) + "\n")
    sys.stderr.flush()


def form_encode(params):
    """form_encode flattens nested dicts and lists into Stripe's bracketed form keys."""
    out = []

    def walk(prefix, v):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(f"{prefix}[{k}]" if prefix else k, x)
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                walk(f"{prefix}[{i}]", x)
        elif isinstance(v, bool):
            out.append((prefix, "true" if v else "false"))
        elif v is not None:
            out.append((prefix, str(v)))

    walk("", params or {})
    return urllib.parse.urlencode(out, safe="[]")


class Result:
    """Result is one provider call's outcome, three-valued: ok (2xx with a
    body), rejected (a 4xx: provably not done), unknown (may have happened:
    timeout, reset, 5xx, an unreadable answer). unavailable is a special
    rejected: every try provably never reached the endpoint."""

    def __init__(self, kind, status=0, body=None, detail=""):
        self.kind, self.status, self.body, self.detail = kind, status, body or {}, detail

    @property
    def error_code(self):
        err = self.body.get("error") if isinstance(self.body, dict) else None
        if isinstance(err, dict):
            return err.get("decline_code") or err.get("code") or err.get("type") or "provider_error"
        return "provider_error"


class Provider:
    """Provider calls the Stripe API as stripe-python and stripe-go do: one
    Idempotency-Key per logical write, reused on every retry; retries on
    connection errors, 409, 429, 5xx and Stripe-Should-Retry: true (never
    when it says false, never on other 4xx), at most max_retries times, with
    exponential backoff and equal jitter."""

    def __init__(self, cfg, rng):
        self.cfg, self.rng, self.rng_lock = cfg, rng, threading.Lock()
        self.stopping = threading.Event()

    def backoff(self, attempt):
        d = min(self.cfg.retry_base * (2 ** (attempt - 1)), 2.0)
        with self.rng_lock:
            return d / 2 + self.rng.random() * d / 2

    def call(self, method, path, params=None, key=None):
        body = form_encode(params)
        url = self.cfg.provider_url + path
        data = None
        if method == "GET":
            if body:
                url += "?" + body
        else:
            data = body.encode()
        sent_ambiguous = False
        last = Result("unknown", detail="no try")
        for attempt in range(self.cfg.max_retries + 1):
            if attempt:
                if self.stopping.wait(self.backoff(attempt)):
                    break
            headers = {
                "Authorization": "Bearer " + self.cfg.secret_key,
                "Content-Type": "application/x-www-form-urlencoded",
                "Stripe-Version": "2026-02-25.clover",
                "User-Agent": "storefront-py/1",
            }
            if method == "POST" and key:
                if "fresh-key-per-retry" in self.cfg.flaws and attempt:
                    headers["Idempotency-Key"] = f"{key}-{secrets.token_hex(4)}"
                else:
                    headers["Idempotency-Key"] = key
            if "log-secret-key" in self.cfg.flaws:
                log(msg="provider request", method=method, path=path, headers=headers)
            req = urllib.request.Request(url, data=data, method=method, headers=headers)
            status, raw, should = 0, b"", None
            try:
                with urllib.request.urlopen(req, timeout=self.cfg.timeout) as resp:
                    status, should = resp.status, resp.headers.get("Stripe-Should-Retry")
                    raw = resp.read()
            except urllib.error.HTTPError as e:
                status, should = e.code, e.headers.get("Stripe-Should-Retry")
                try:
                    raw = e.read()
                except (OSError, http.client.HTTPException):
                    raw = b""
                finally:
                    e.close()
            except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as e:
                reason = getattr(e, "reason", e)
                if not isinstance(reason, ConnectionRefusedError):
                    sent_ambiguous = True
                last = Result("unknown", detail=f"{method} {path}: {type(reason).__name__}")
                continue
            try:
                parsed = json.loads(raw) if raw else None
            except ValueError:
                parsed = None
            res = self._classify(status, parsed, method, path)
            if res.kind == "unknown" or (res.kind == "rejected" and status in (409, 429)):
                if status != 429:
                    sent_ambiguous = True
                last = res
                if should == "false":
                    break
                continue
            if should == "true" and attempt < self.cfg.max_retries:
                last = res
                continue
            return res
        if last.kind == "unknown" or sent_ambiguous:
            return Result("unknown", last.status, last.body, last.detail)
        return Result("unavailable", last.status, last.body, last.detail)

    @staticmethod
    def _classify(status, parsed, method, path):
        if 200 <= status < 300:
            if isinstance(parsed, dict) and parsed.get("id"):
                return Result("ok", status, parsed)
            return Result("unknown", status, None, f"{method} {path}: unreadable {status} answer")
        if status >= 500 or not isinstance(parsed, dict) or "error" not in parsed:
            return Result("unknown", status, parsed if isinstance(parsed, dict) else None, f"{method} {path}: {status}")
        return Result("rejected", status, parsed, f"{method} {path}: {status}")


def verify_signature(payload, header, secret, now, flaws):
    """verify_signature checks a Stripe-Signature header as Stripe's
    libraries do: t=…,v1=… (several v1 allowed), HMAC-SHA256 of "t.payload"
    keyed with the endpoint secret, constant-time compare, 300 s tolerance.
    It returns an error string, or "" when the signature holds."""
    if not header:
        return "missing Stripe-Signature"
    t, sigs = None, []
    for item in header.split(","):
        k, sep, v = item.strip().partition("=")
        if not sep:
            return "malformed Stripe-Signature"
        if k == "t":
            if not v.isdigit():
                return "malformed timestamp"
            t = int(v)
        elif k == "v1":
            sigs.append(v)
    if t is None or not sigs:
        return "no timestamp or no v1 signature"
    if "signature-any-v1" in flaws:
        if not all(SIGNATURE_HEX.match(s) for s in sigs):
            return "malformed v1 signature"
    else:
        expected = hmac.new(secret.encode(), str(t).encode() + b"." + payload, hashlib.sha256).hexdigest()
        if not any(hmac.compare_digest(expected.encode(), s.encode()) for s in sigs):
            return "no v1 signature matches"
    if now - t > TOLERANCE:
        return "timestamp outside the tolerance"
    return ""


SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY, customer TEXT NOT NULL, status TEXT NOT NULL, flow TEXT NOT NULL,
  amount INTEGER NOT NULL, currency TEXT NOT NULL, refunded INTEGER NOT NULL DEFAULT 0,
  items TEXT NOT NULL DEFAULT '[]', payment_intent TEXT NOT NULL DEFAULT '',
  checkout_session TEXT NOT NULL DEFAULT '', client_secret TEXT NOT NULL DEFAULT '',
  checkout_url TEXT NOT NULL DEFAULT '', failure_code TEXT NOT NULL DEFAULT '',
  provider_status TEXT NOT NULL DEFAULT '', create_key TEXT NOT NULL, create_params TEXT NOT NULL,
  create_sends INTEGER NOT NULL DEFAULT 0,
  settled INTEGER NOT NULL DEFAULT 0, created REAL NOT NULL, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (
  order_id TEXT NOT NULL, seq INTEGER NOT NULL, amount INTEGER NOT NULL, key TEXT NOT NULL,
  state TEXT NOT NULL, refund_id TEXT NOT NULL DEFAULT '', PRIMARY KEY (order_id, seq));
CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, type TEXT NOT NULL, received REAL NOT NULL);
CREATE TABLE IF NOT EXISTS order_keys (
  customer TEXT NOT NULL, key TEXT NOT NULL, body_hash TEXT NOT NULL, order_id TEXT NOT NULL,
  PRIMARY KEY (customer, key));
"""

ORDER_FIELDS = ("id", "customer", "status", "flow", "amount", "currency", "refunded", "items",
                "payment_intent", "checkout_session", "client_secret", "checkout_url", "failure_code",
                "provider_status", "create_key", "create_params", "create_sends", "settled", "created", "updated")


class Store:
    """Store is the SQLite state: one connection, serialised by a lock;
    every change is committed before the next provider call."""

    def __init__(self, path):
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
        self.lock = threading.RLock()
        with self.lock:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)

    def close(self):
        with self.lock:
            self.db.close()

    def order(self, oid):
        with self.lock:
            row = self.db.execute(f"SELECT {','.join(ORDER_FIELDS)} FROM orders WHERE id=?", (oid,)).fetchone()
        return dict(zip(ORDER_FIELDS, row)) if row else None

    def orders(self, where="1", args=()):
        with self.lock:
            rows = self.db.execute(f"SELECT {','.join(ORDER_FIELDS)} FROM orders WHERE {where} ORDER BY created, id", args).fetchall()
        return [dict(zip(ORDER_FIELDS, r)) for r in rows]

    def order_by(self, column, value):
        if not value:
            return None
        with self.lock:
            row = self.db.execute(f"SELECT id FROM orders WHERE {column}=?", (value,)).fetchone()
        return self.order(row[0]) if row else None

    def insert(self, o):
        with self.lock:
            self.db.execute(f"INSERT INTO orders ({','.join(o)}) VALUES ({','.join('?' * len(o))})", tuple(o.values()))

    def update(self, oid, expect=None, **changes):
        """update changes an order; with expect, only if its status is one of expect (the order-aware guard)."""
        changes["updated"] = time.time()
        sets = ",".join(f"{k}=?" for k in changes)
        sql, args = f"UPDATE orders SET {sets} WHERE id=?", list(changes.values()) + [oid]
        if expect:
            sql += f" AND status IN ({','.join('?' * len(expect))})"
            args += list(expect)
        with self.lock:
            return self.db.execute(sql, args).rowcount == 1

    def refunds(self, oid):
        with self.lock:
            rows = self.db.execute("SELECT seq, amount, key, state, refund_id FROM refunds WHERE order_id=? ORDER BY seq", (oid,)).fetchall()
        return [dict(zip(("seq", "amount", "key", "state", "refund_id"), r)) for r in rows]

    def add_refund(self, o, amount, limit):
        """add_refund reserves a refund of amount if, with those in flight, it stays within limit."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                held = self.db.execute("SELECT COALESCE(SUM(amount),0), COALESCE(MAX(seq),0) FROM refunds WHERE order_id=? AND state!='failed'", (o["id"],)).fetchone()
                if held[0] + amount > limit:
                    self.db.execute("ROLLBACK")
                    return None
                seq = held[1] + 1
                key = f"{o['id']}/refund/{seq}"
                self.db.execute("INSERT INTO refunds (order_id, seq, amount, key, state) VALUES (?,?,?,?, 'pending')", (o["id"], seq, amount, key))
                self.db.execute("COMMIT")
                return {"seq": seq, "amount": amount, "key": key, "state": "pending", "refund_id": ""}
            except sqlite3.Error:
                self.db.execute("ROLLBACK")
                raise

    def settle_refund(self, oid, seq, state, refund_id=""):
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("UPDATE refunds SET state=?, refund_id=? WHERE order_id=? AND seq=? AND state='pending'", (state, refund_id, oid, seq))
            done = self.db.execute("SELECT COALESCE(SUM(amount),0) FROM refunds WHERE order_id=? AND state='done'", (oid,)).fetchone()[0]
            self.db.execute("UPDATE orders SET refunded=?, updated=? WHERE id=?", (done, time.time(), oid))
            self.db.execute("UPDATE orders SET status='refunded' WHERE id=? AND status='paid' AND refunded>=amount", (oid,))
            self.db.execute("COMMIT")

    def first_event(self, eid, typ):
        """first_event records an event id; False when it was seen before."""
        with self.lock:
            try:
                self.db.execute("INSERT INTO events (id, type, received) VALUES (?,?,?)", (eid, typ, time.time()))
                return True
            except sqlite3.IntegrityError:
                return False

    def forget_event(self, eid):
        with self.lock:
            self.db.execute("DELETE FROM events WHERE id=?", (eid,))

    def order_key(self, customer, key, body_hash, oid=None):
        """order_key returns (order id, same body) for a customer's Idempotency-Key, claiming it for oid when new."""
        with self.lock:
            row = self.db.execute("SELECT order_id, body_hash FROM order_keys WHERE customer=? AND key=?", (customer, key)).fetchone()
            if row:
                return row[0], row[1] == body_hash
            if oid:
                self.db.execute("INSERT INTO order_keys VALUES (?,?,?,?)", (customer, key, body_hash, oid))
            return None, True


class HTTPError(Exception):
    """HTTPError is an answer with a stable error code; messages never echo input."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def public(o):
    """public is an order as customers see it."""
    out = {k: o[k] for k in ("id", "customer", "status", "flow", "amount", "currency", "refunded",
                             "payment_intent", "checkout_session")}
    if o["flow"] == "client_confirm":
        out["client_secret"] = o["client_secret"]
    else:
        out["checkout_url"] = o["checkout_url"]
    if o["failure_code"]:
        out["failure_code"] = o["failure_code"]
    items = json.loads(o["items"])
    if items:
        out["items"] = items
    return out


class Counter:
    """Counter counts requests in flight so that shutdown can wait for them."""

    def __init__(self):
        self.n, self.cond = 0, threading.Condition()

    def acquire(self):
        with self.cond:
            self.n += 1

    def release(self):
        with self.cond:
            self.n -= 1
            self.cond.notify_all()

    def wait_idle(self, timeout):
        with self.cond:
            return self.cond.wait_for(lambda: self.n == 0, timeout)


class Storefront:
    """Storefront is the service: its store, its provider client, its reconciler."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.store = Store(cfg.db_path)
        self.provider = Provider(cfg, random.Random(cfg.seed))
        self.inflight, self.inflight_lock = set(), threading.Lock()
        self.stop = threading.Event()
        self.reconciler = None
        self.requests = Counter()

    def start_reconciler(self):
        if self.cfg.reconcile_interval <= 0:
            return
        self.reconciler = threading.Thread(target=self._reconcile_loop, name="reconciler", daemon=True)
        self.reconciler.start()

    def close(self, grace=10.0):
        """close refuses new requests, gives those in flight grace seconds, then cuts provider calls."""
        self.stop.set()
        self.requests.wait_idle(grace)
        self.provider.stopping.set()
        if self.reconciler:
            self.reconciler.join(timeout=10)
        self.store.close()

    def _reconcile_loop(self):
        while not self.stop.wait(self.cfg.reconcile_interval):
            try:
                self.reconcile()
            except Exception as e:  # the loop must survive a bad pass; the next one retries
                log(level="error", msg="reconcile pass", error=type(e).__name__, detail=str(e)[:200])

    def claim(self, oid):
        with self.inflight_lock:
            if oid in self.inflight:
                return False
            self.inflight.add(oid)
            return True

    def release(self, oid):
        with self.inflight_lock:
            self.inflight.discard(oid)

    # --- orders ---------------------------------------------------------

    def parse_order(self, body):
        allowed = {"amount", "currency", "items", "flow"}
        if not isinstance(body, dict):
            raise HTTPError(400, "invalid_body", "the body must be one JSON object")
        unknown = set(body) - allowed
        if unknown:
            raise HTTPError(400, "unknown_field", "the body has a field this endpoint does not take")
        currency = body.get("currency")
        if not isinstance(currency, str) or currency not in self.cfg.currencies:
            raise HTTPError(422, "invalid_currency", "currency must be one of " + ", ".join(self.cfg.currencies))
        flow = body.get("flow", self.cfg.flow)
        if flow not in FLOWS:
            raise HTTPError(422, "invalid_flow", "flow must be one of " + ", ".join(FLOWS))
        items, amount = [], body.get("amount")
        if "items" in body:
            raw = body["items"]
            if not isinstance(raw, list) or not 1 <= len(raw) <= 20:
                raise HTTPError(422, "invalid_items", "items must be a list of 1 to 20 {sku, quantity}")
            total = 0
            for it in raw:
                if not isinstance(it, dict) or set(it) != {"sku", "quantity"}:
                    raise HTTPError(422, "invalid_items", "each item is {sku, quantity}")
                if it["sku"] not in CATALOGUE:
                    raise HTTPError(422, "unknown_sku", "an item's sku is not in the catalogue")
                q = it["quantity"]
                if type(q) is not int or not 1 <= q <= 100:
                    raise HTTPError(422, "invalid_quantity", "quantity must be an integer from 1 to 100")
                total += CATALOGUE[it["sku"]] * q
                items.append({"sku": it["sku"], "quantity": q})
            if amount is not None and amount != total:
                raise HTTPError(422, "amount_mismatch", "amount differs from the catalogue total")
            amount = total
        if amount is None:
            raise HTTPError(422, "missing_amount", "give amount or items")
        if type(amount) is not int or not MIN_AMOUNT[currency] <= amount <= self.cfg.max_amount:
            raise HTTPError(422, "invalid_amount", f"amount must be an integer from {MIN_AMOUNT[currency]} to {self.cfg.max_amount} (minor units)")
        return {"amount": amount, "currency": currency, "items": items, "flow": flow}

    def create_order(self, customer, body, idem_key):
        req = self.parse_order(body)
        body_hash = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        if idem_key is not None:
            oid, same = self.store.order_key(customer, idem_key, body_hash)
            if oid:
                if not same:
                    raise HTTPError(422, "idempotency_key_reused", "this Idempotency-Key was used with another body")
                if oid in self.inflight:
                    raise HTTPError(409, "idempotency_key_in_use", "this Idempotency-Key is being used by a request in progress")
                o = self.store.order(oid)
                return (200 if o["status"] != "pending" or o["payment_intent"] or o["checkout_session"] else 202), o, True
        oid = "ord_" + secrets.token_hex(12)
        now = time.time()
        o = {"id": oid, "customer": customer, "status": "pending", "flow": req["flow"], "amount": req["amount"],
             "currency": req["currency"], "items": json.dumps(req["items"]), "create_key": f"{oid}/create",
             "create_params": json.dumps(self.create_params(oid, req)), "created": now, "updated": now}
        with self.store.lock:
            if idem_key is not None:
                prev, same = self.store.order_key(customer, idem_key, body_hash, oid)
                if prev:
                    raise HTTPError(409, "idempotency_key_in_use", "this Idempotency-Key is being used by a request in progress")
            self.claim(oid)  # before the row is visible: the reconciler must not send the create too
            self.store.insert(o)
        try:
            res = self.send_create(self.store.order(oid))
        finally:
            self.release(oid)
        o = self.store.order(oid)
        if res.kind == "ok":
            return 201, o, False
        if res.kind == "unknown":
            return 202, o, False
        if res.kind == "unavailable":
            raise HTTPError(503, "provider_unavailable", "the payment provider is unavailable; nothing was charged, retry later")
        raise HTTPError(502, "provider_rejected", "the payment provider refused the payment")

    def create_params(self, oid, req):
        """create_params is the provider request that pays an order, kept on
        the order so that every re-send (after a restart on another address,
        too) is the same request under the same key."""
        if req["flow"] == "client_confirm":
            return {"amount": req["amount"], "currency": req["currency"], "payment_method_types": ["card"],
                    "description": f"storefront order {oid}"}
        base = self.cfg.public_url or f"http://{self.cfg.host}:{self.cfg.port}"
        return {"mode": "payment", "client_reference_id": oid, "payment_method_types": ["card"],
                "line_items": [{"quantity": 1, "price_data": {"currency": req["currency"], "unit_amount": req["amount"],
                                                               "product_data": {"name": f"Order {oid}"}}}],
                "success_url": f"{base}/checkout/return?order={oid}&session_id={{CHECKOUT_SESSION_ID}}",
                "cancel_url": f"{base}/checkout/cancel?order={oid}"}

    def send_create(self, o):
        """send_create makes the order's PaymentIntent or Checkout Session, with the order's own key and request."""
        self.store.update(o["id"], create_sends=o["create_sends"] + 1)
        path = "/v1/payment_intents" if o["flow"] == "client_confirm" else "/v1/checkout/sessions"
        res = self.provider.call("POST", path, json.loads(o["create_params"]), o["create_key"])
        if res.kind == "ok":
            b = res.body
            if o["flow"] == "client_confirm":
                self.store.update(o["id"], payment_intent=b["id"], client_secret=b.get("client_secret") or "",
                                  provider_status=b.get("status") or "")
            else:
                # The session's PaymentIntent comes later, from its events or a
                # retrieve; a replayed create answer must not erase it.
                self.store.update(o["id"], checkout_session=b["id"], checkout_url=b.get("url") or "")
        elif res.kind == "rejected" and res.error_code == "idempotency_error":
            pass  # the key's first request differs: what it did is unknown, so the order stays pending
        elif res.kind in ("rejected", "unavailable"):
            self.store.update(o["id"], expect=("pending",), status="failed", failure_code=res.error_code if res.kind == "rejected" else "provider_unavailable", settled=1)
        log(msg="create", order=o["id"], flow=o["flow"], outcome=res.kind, status=res.status, detail=res.detail)
        return res

    def cancel_order(self, o):
        if o["status"] == "canceled":
            return o, True
        if o["status"] not in ("pending", "paid"):
            raise HTTPError(409, "order_not_cancelable", "only pending or paid orders can be canceled")
        if not self.store.update(o["id"], expect=(o["status"],), status="canceled", settled=0):
            raise HTTPError(409, "order_changed", "the order changed meanwhile; read it and retry")
        if self.claim(o["id"]):  # else the reconciler has it and settles it
            try:
                self.settle_closed(self.store.order(o["id"]))
            finally:
                self.release(o["id"])
        return self.store.order(o["id"]), False

    def refund_order(self, o, body):
        if not isinstance(body, dict) or set(body) - {"amount"}:
            raise HTTPError(400, "unknown_field", "the body takes only amount")
        if o["status"] != "paid":
            raise HTTPError(409, "order_not_refundable", "only paid orders can be refunded")
        left = o["amount"]
        amount = body.get("amount", None)
        if amount is None:
            held = sum(r["amount"] for r in self.store.refunds(o["id"]) if r["state"] != "failed")
            amount = left - held
        if type(amount) is not int or amount < 1:
            raise HTTPError(422, "invalid_refund_amount", "amount must be a positive integer (minor units)")
        r = self.store.add_refund(o, amount, o["amount"])
        if r is None:
            raise HTTPError(422, "refund_exceeds_captured", "that is more than is left to refund")
        res = self.send_refund(o, r)
        o = self.store.order(o["id"])
        if res.kind == "ok":
            return 200, o
        if res.kind == "unknown":
            return 202, o
        raise HTTPError(502, "refund_failed", "the payment provider refused the refund")

    def send_refund(self, o, r):
        res = self.provider.call("POST", "/v1/refunds", {"payment_intent": o["payment_intent"], "amount": r["amount"]}, r["key"])
        if res.kind == "ok":
            self.store.settle_refund(o["id"], r["seq"], "done", res.body["id"])
        elif res.kind == "rejected":
            self.store.settle_refund(o["id"], r["seq"], "failed")
        log(msg="refund", order=o["id"], seq=r["seq"], amount=r["amount"], outcome=res.kind, status=res.status)
        return res

    # --- what the provider says -----------------------------------------

    def apply_pi(self, o, pi):
        """apply_pi moves an order by its PaymentIntent as the provider has it."""
        st = pi.get("status", "")
        self.store.update(o["id"], provider_status=st)
        if st == "succeeded":
            self.mark_paid(o, pi)
        elif o["flow"] == "client_confirm" and st == "canceled":
            self.mark_failed(o, "payment_intent_canceled")
        elif o["flow"] == "client_confirm" and st == "requires_payment_method" and pi.get("last_payment_error"):
            err = pi["last_payment_error"]
            self.mark_failed(o, err.get("decline_code") or err.get("code") or "payment_failed")

    def apply_session(self, o, s, event=""):
        """apply_session moves an order by its Checkout Session."""
        pi = s.get("payment_intent")
        pi_id = pi.get("id") if isinstance(pi, dict) else (pi or "")
        if pi_id and not o["payment_intent"]:
            self.store.update(o["id"], payment_intent=pi_id)
            o = self.store.order(o["id"])
        status, paid = s.get("status"), s.get("payment_status")
        self.store.update(o["id"], provider_status=f"{status}/{paid}")
        if status == "expired":
            self.mark_failed(o, "session_expired")
        elif status == "complete" and paid == "paid":
            self.mark_paid(o, {"amount": s.get("amount_total"), "currency": s.get("currency")})
        elif status == "complete" and "paid-on-session-complete" in self.cfg.flaws and event == "checkout.session.completed":
            self.mark_paid(o, {"amount": s.get("amount_total"), "currency": s.get("currency")})
        elif status == "complete" and event == "checkout.session.async_payment_failed":
            self.async_failed(o)

    def async_failed(self, o):
        if "ignore-async-failed" in self.cfg.flaws:
            return
        self.mark_failed(o, "async_payment_failed")

    def mark_paid(self, o, money):
        if money.get("amount") != o["amount"] or money.get("currency") != o["currency"]:
            if self.store.update(o["id"], expect=("pending",), status="failed", failure_code="amount_mismatch", settled=0):
                log(level="warn", msg="payment amount differs from the order", order=o["id"])
            return
        if self.store.update(o["id"], expect=("pending",), status="paid", failure_code="", settled=1):
            return
        cur = self.store.order(o["id"])
        if cur["status"] in ("failed", "canceled"):
            # money arrived for an order that will not ship: the reconciler refunds it.
            self.store.update(o["id"], settled=0)

    def mark_failed(self, o, code):
        self.store.update(o["id"], expect=("pending",), status="failed", failure_code=code, settled=0)

    # --- webhooks -------------------------------------------------------

    def handle_event(self, ev):
        typ = ev.get("type", "")
        obj = (ev.get("data") or {}).get("object") or {}
        if typ.startswith("payment_intent."):
            o = self.store.order_by("payment_intent", obj.get("id"))
            if not o:
                return "ignored"
            if typ == "payment_intent.succeeded":
                self.mark_paid(o, obj)
            elif typ == "payment_intent.payment_failed" and o["flow"] == "client_confirm":
                err = obj.get("last_payment_error") or {}
                self.mark_failed(o, err.get("decline_code") or err.get("code") or "payment_failed")
            elif typ == "payment_intent.canceled" and o["flow"] == "client_confirm":
                self.mark_failed(o, "payment_intent_canceled")
            else:
                return "ignored"
            return "applied"
        if typ.startswith("checkout.session."):
            o = self.store.order_by("checkout_session", obj.get("id")) or self.store.order_by("id", obj.get("client_reference_id"))
            if not o:
                return "ignored"
            if not o["checkout_session"]:
                self.store.update(o["id"], checkout_session=obj.get("id"))
                o = self.store.order(o["id"])
            elif o["checkout_session"] != obj.get("id"):
                return "ignored"  # another session than the order's own
            self.apply_session(o, obj, typ)
            return "applied"
        if "reject-unknown-events" in self.cfg.flaws:
            raise HTTPError(400, "unhandled_event", "event type not handled")
        return "ignored"

    # --- reconciliation -------------------------------------------------

    def reconcile(self):
        """reconcile runs one pass: resolve pending orders by the ids they
        keep, close canceled and failed ones at the provider (cancel the
        PaymentIntent, expire the session, refund a capture), re-send
        unresolved refunds with their keys."""
        summary = {"pending": 0, "resolved": 0, "closed": 0, "refunds_sent": 0, "errors": 0}
        for o in self.store.orders("status='pending' OR settled=0"):
            if not self.claim(o["id"]):
                continue
            try:
                o = self.store.order(o["id"])  # as it is now that it is ours
                if o["status"] == "pending":
                    summary["pending"] += 1
                    self.resolve_pending(o)
                    if self.store.order(o["id"])["status"] != "pending":
                        summary["resolved"] += 1
                o = self.store.order(o["id"])
                if o["status"] in ("failed", "canceled") and not o["settled"]:
                    if self.settle_closed(o):
                        summary["closed"] += 1
            except (KeyError, TypeError, ValueError) as e:
                summary["errors"] += 1
                log(level="error", msg="reconcile order", order=o["id"], error=type(e).__name__)
            finally:
                self.release(o["id"])
        for o in self.store.orders("id IN (SELECT order_id FROM refunds WHERE state='pending')"):
            if not self.claim(o["id"]):
                continue
            try:
                for r in self.store.refunds(o["id"]):
                    if r["state"] == "pending":
                        summary["refunds_sent"] += 1
                        self.send_refund(o, r)
            finally:
                self.release(o["id"])
        return summary

    def resolve_pending(self, o):
        if not o["payment_intent"] and not o["checkout_session"]:
            if self.send_create(o).kind == "ok":
                self.close_unstarted(self.store.order(o["id"]))
            return
        if "stale-reconcile" in self.cfg.flaws:
            cached = o["provider_status"]
            if cached == "succeeded" or cached.endswith("/paid"):
                self.mark_paid(o, {"amount": o["amount"], "currency": o["currency"]})
            return
        age = time.time() - o["created"]
        if o["flow"] == "client_confirm":
            res = self.provider.call("GET", f"/v1/payment_intents/{urllib.parse.quote(o['payment_intent'])}")
            if res.kind != "ok":
                return
            self.apply_pi(o, res.body)
            if age > self.cfg.abandon_after and res.body.get("status") in ("requires_payment_method", "requires_confirmation"):
                self.mark_failed(o, "abandoned")
            return
        res = self.provider.call("GET", f"/v1/checkout/sessions/{urllib.parse.quote(o['checkout_session'])}")
        if res.kind != "ok":
            return
        s = res.body
        self.apply_session(o, s)
        o = self.store.order(o["id"])
        if o["status"] == "pending" and s.get("status") == "complete" and o["payment_intent"]:
            pi = self.provider.call("GET", f"/v1/payment_intents/{urllib.parse.quote(o['payment_intent'])}")
            if pi.kind == "ok" and pi.body.get("status") in ("requires_payment_method", "canceled"):
                self.async_failed(o)
        elif o["status"] == "pending" and s.get("status") == "open" and age > self.cfg.abandon_after:
            self.mark_failed(o, "abandoned")

    def close_unstarted(self, o):
        """close_unstarted ends an order whose create answer was lost and
        only the reconciler's re-send recovered: its customer was answered
        202 and never had the client_secret or the checkout url, so nobody
        will pay it. The PaymentIntent is canceled or the session expired
        first; if that is refused, it was paid after all (the order answer
        shows the url once known) and the provider's state decides."""
        if o["flow"] == "client_confirm":
            obj, close, apply = f"/v1/payment_intents/{urllib.parse.quote(o['payment_intent'])}", "cancel", self.apply_pi
        else:
            obj, close, apply = f"/v1/checkout/sessions/{urllib.parse.quote(o['checkout_session'])}", "expire", self.apply_session
        res = self.provider.call("POST", f"{obj}/{close}", {}, f"{o['id']}/{close}")
        if res.kind == "ok":
            self.store.update(o["id"], expect=("pending",), status="failed", failure_code="checkout_not_started", settled=1)
        elif res.kind == "rejected":
            got = self.provider.call("GET", obj)
            if got.kind == "ok":
                apply(o, got.body)

    def settle_closed(self, o):
        """settle_closed makes sure a canceled or failed order keeps no money
        and cannot be paid any more. True when nothing is left to do."""
        if not o["payment_intent"] and not o["checkout_session"]:
            if o["create_sends"] and o["status"] == "canceled":
                # a create may have reached the provider: learn its id with the same key.
                res = self.send_create(o)
                if res.kind != "ok":
                    return False
                return self.settle_closed(self.store.order(o["id"]))
            self.store.update(o["id"], settled=1)
            return True
        if o["checkout_session"]:
            res = self.provider.call("GET", f"/v1/checkout/sessions/{urllib.parse.quote(o['checkout_session'])}")
            if res.kind != "ok":
                return False
            s = res.body
            if s.get("status") == "open":
                ex = self.provider.call("POST", f"/v1/checkout/sessions/{urllib.parse.quote(o['checkout_session'])}/expire", {}, f"{o['id']}/expire")
                if ex.kind != "ok":
                    return False
                s = ex.body
            pi = s.get("payment_intent")
            pi_id = pi.get("id") if isinstance(pi, dict) else (pi or "")
            if pi_id and not o["payment_intent"]:
                self.store.update(o["id"], payment_intent=pi_id)
                o = self.store.order(o["id"])
            if not pi_id:
                self.store.update(o["id"], settled=1)
                return True
        res = self.provider.call("GET", f"/v1/payment_intents/{urllib.parse.quote(o['payment_intent'])}")
        if res.kind != "ok":
            return False
        st = res.body.get("status")
        if st in ("requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"):
            c = self.provider.call("POST", f"/v1/payment_intents/{urllib.parse.quote(o['payment_intent'])}/cancel", {}, f"{o['id']}/cancel")
            if c.kind == "ok":
                self.store.update(o["id"], settled=1)
                return True
            return False  # e.g. it succeeded meanwhile: the next pass refunds it
        if st == "processing":
            return False
        if st == "succeeded":
            held = sum(r["amount"] for r in self.store.refunds(o["id"]) if r["state"] != "failed")
            if held < o["amount"]:
                r = self.store.add_refund(o, o["amount"] - held, o["amount"])
                if r is None or self.send_refund(o, r).kind != "ok":
                    return False
            if any(r["state"] == "pending" for r in self.store.refunds(o["id"])):
                return False
        self.store.update(o["id"], settled=1)
        return True

    # --- the browser's return -------------------------------------------

    def checkout_return(self, oid, paid_return=True):
        o = self.store.order(oid) if ORDER_ID_RE.match(oid or "") else None
        if not o or o["flow"] != "checkout_session":
            raise HTTPError(404, "not_found", "no such order")
        if o["status"] == "pending":
            if paid_return and "trust-return" in self.cfg.flaws:
                self.store.update(o["id"], expect=("pending",), status="paid", settled=1)
            elif self.claim(o["id"]):
                try:
                    self.resolve_pending(self.store.order(o["id"]))
                finally:
                    self.release(o["id"])
        o = self.store.order(oid)
        return {"order": o["id"], "status": o["status"]}


class Handler(http.server.BaseHTTPRequestHandler):
    """Handler maps the HTTP contract (README.md) onto the Storefront."""

    server_version = "storefront-py/1"
    protocol_version = "HTTP/1.1"
    app = None  # set on the class made by serve()

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, obj, headers=None):
        raw = json.dumps(obj).encode()
        if not self.body_read and self.headers.get("Content-Length", "0") not in ("", "0"):
            # a body left unread would be taken for the next request on this connection
            self.close_connection = True
        self.send_response(status)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(raw)

    def read_body(self, raw_ok=False):
        self.body_read = True
        ctype = self.headers.get("Content-Type", "")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            if self.command == "POST" and self.headers.get("Transfer-Encoding"):
                self.close_connection = True
                raise HTTPError(411, "length_required", "send a Content-Length")
            length = "0"
        n = int(length)
        if n > MAX_BODY:
            self.close_connection = True
            if n <= MAX_DRAIN:
                # read it away, so that the client, still sending, gets the 413 rather than a reset
                while n > 0:
                    got = self.rfile.read(min(n, 65536))
                    if not got:
                        break
                    n -= len(got)
            raise HTTPError(413, "body_too_large", f"the body is larger than {MAX_BODY} bytes")
        raw = self.rfile.read(n) if n else b""
        if raw_ok:
            return raw
        if ctype and ctype.split(";")[0].strip().lower() != "application/json":
            raise HTTPError(415, "unsupported_media_type", "send application/json")
        if not raw:
            return None
        try:
            return json.loads(raw, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except (ValueError, RecursionError):
            raise HTTPError(400, "invalid_json", "the body is not valid JSON") from None

    def customer(self):
        auth = self.headers.get("Authorization", "")
        tok = auth[len("Bearer "):] if auth.startswith("Bearer ") else ""
        for t, cus in self.app.cfg.customers.items():
            if tok and hmac.compare_digest(t.encode(), tok.encode()):
                return cus
        raise HTTPError(401, "unauthorized", "send Authorization: Bearer <customer token>")

    def admin(self):
        auth = self.headers.get("Authorization", "")
        tok = self.app.cfg.admin_token
        if not tok:
            raise HTTPError(403, "admin_disabled", "set STOREFRONT_ADMIN_TOKEN to use /admin")
        if not hmac.compare_digest(auth.encode(), ("Bearer " + tok).encode()):
            raise HTTPError(401, "unauthorized", "send Authorization: Bearer <admin token>")

    def owned(self, oid):
        cus = self.customer()
        o = self.app.store.order(oid) if ORDER_ID_RE.match(oid) else None
        if not o or o["customer"] != cus:
            raise HTTPError(404, "not_found", "no such order")
        return o

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")

    def do_PATCH(self):
        self.route("PATCH")

    def do_OPTIONS(self):
        self.route("OPTIONS")

    def route(self, method):
        self.body_read = False
        self.app.requests.acquire()
        try:
            self._route(method)
        finally:
            self.app.requests.release()

    def _route(self, method):
        try:
            u = urllib.parse.urlsplit(self.path)
            parts = [p for p in u.path.split("/") if p]
            status, obj, hdrs = self.dispatch(method, parts, urllib.parse.parse_qs(u.query))
            self.answer(status, obj, hdrs)
        except HTTPError as e:
            self.answer(e.status, {"error": {"code": e.code, "message": e.message}})
        except Exception as e:  # never a stack trace to a client
            log(level="error", msg="internal", error=type(e).__name__, detail=str(e)[:200])
            self.answer(500, {"error": {"code": "internal", "message": "internal error"}})

    def dispatch(self, method, parts, query):
        app = self.app
        if app.stop.is_set():
            raise HTTPError(503, "shutting_down", "the service is shutting down")
        routes = {
            ("GET", "healthz"): self.healthz,
            ("POST", "orders"): self.post_orders,
            ("GET", "orders"): self.get_orders,
            ("POST", "webhooks/stripe"): self.webhook,
            ("POST", "admin/reconcile"): self.admin_reconcile,
            ("GET", "admin/orders"): self.admin_orders,
            ("GET", "checkout/return"): lambda: self.checkout_return(query, True),
            ("GET", "checkout/cancel"): lambda: self.checkout_return(query, False),
        }
        key = "/".join(parts)
        if (method, key) in routes:
            return routes[(method, key)]()
        if len(parts) == 2 and parts[0] == "orders" and method == "GET":
            self.read_body()
            return 200, public(self.owned(parts[1])), None
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "cancel" and method == "POST":
            o = self.owned(parts[1])
            self.read_body()
            o, replay = app.cancel_order(o)
            return 200, public(o), {"Idempotent-Replayed": "true"} if replay else None
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "refund" and method == "POST":
            o = self.owned(parts[1])
            body = self.read_body()
            status, o = app.refund_order(o, {} if body is None else body)
            return status, public(o), None
        if any(k == key for _, k in routes) or (parts and parts[0] == "orders" and len(parts) <= 3):
            raise HTTPError(405, "method_not_allowed", "method not allowed here")
        raise HTTPError(404, "not_found", "no such route")

    def healthz(self):
        try:
            with self.app.store.lock:
                self.app.store.db.execute("SELECT 1").fetchone()
        except sqlite3.Error:
            raise HTTPError(503, "database_unavailable", "the database does not answer") from None
        return 200, {"status": "ok", "flaws": ",".join(sorted(self.app.cfg.flaws)), "flow": self.app.cfg.flow}, None

    def post_orders(self):
        cus = self.customer()
        key = self.headers.get("Idempotency-Key")
        if key is not None and not KEY_RE.match(key):
            raise HTTPError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-255 printable ASCII characters")
        body = self.read_body()
        status, o, replay = self.app.create_order(cus, body, key)
        return status, public(o), {"Idempotent-Replayed": "true"} if replay else None

    def get_orders(self):
        cus = self.customer()
        return 200, {"orders": [public(o) for o in self.app.store.orders("customer=?", (cus,))]}, None

    def checkout_return(self, query, paid_return):
        # session_id is never trusted: the order's own session is asked.
        return 200, self.app.checkout_return((query.get("order") or [""])[0], paid_return), None

    def webhook(self):
        app = self.app
        if not app.cfg.webhook_secret:
            raise HTTPError(503, "webhooks_not_configured", "set STOREFRONT_WEBHOOK_SECRET")
        payload = self.read_body(raw_ok=True)
        err = verify_signature(payload, self.headers.get("Stripe-Signature", ""), app.cfg.webhook_secret, time.time(), app.cfg.flaws)
        if err:
            log(level="warn", msg="webhook refused", reason=err)
            raise HTTPError(400, "invalid_signature", "the webhook signature does not verify")
        try:
            ev = json.loads(payload)
        except ValueError:
            raise HTTPError(400, "invalid_event", "the event is not JSON") from None
        if not isinstance(ev, dict) or ev.get("object") != "event" or not isinstance(ev.get("id"), str) or not isinstance((ev.get("data") or {}).get("object"), dict):
            raise HTTPError(400, "invalid_event", "the body is not a Stripe event")
        if not app.store.first_event(ev["id"], str(ev.get("type", ""))):
            return 200, {"received": True, "result": "duplicate"}, None
        try:
            result = app.handle_event(ev)
        except BaseException:
            app.store.forget_event(ev["id"])  # let the provider's retry apply it
            raise
        return 200, {"received": True, "result": result}, None

    def admin_reconcile(self):
        self.admin()
        self.read_body()
        return 200, self.app.reconcile(), None

    def admin_orders(self):
        self.admin()
        return 200, {"orders": [public(o) for o in self.app.store.orders()]}, None


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def server_bind(self):
        # HTTPServer.server_bind resolves the host's FQDN, a DNS lookup that
        # can take seconds; the name is only used in CGI variables.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def serve(cfg):
    """serve runs the service until SIGTERM or SIGINT, then shuts down gracefully."""
    app = Storefront(cfg)
    handler = type("BoundHandler", (Handler,), {"app": app, "timeout": 30})
    srv = Server((cfg.host, cfg.port), handler)
    host, port = srv.server_address[:2]
    cfg.port = port
    app.start_reconciler()
    log(msg="start", addr=f"{host}:{port}", provider=cfg.provider_url, key=mask(cfg.secret_key),
        flaws=sorted(cfg.flaws), flow=cfg.flow)
    print(f"storefront listening on http://{host}:{port}", flush=True)
    stopped = threading.Event()

    def on_signal(signum, _frame):
        if not stopped.is_set():
            stopped.set()
            threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        srv.serve_forever(poll_interval=0.2)
    finally:
        srv.server_close()
        app.close()
        log(msg="stopped")


def main():
    try:
        cfg = Config(os.environ)
    except ConfigError as e:
        print(f"storefront: {e}", file=sys.stderr)
        return 2
    try:
        serve(cfg)
    except OSError as e:
        print(f"storefront: listen on {cfg.host}:{cfg.port}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
