// A Fedify server used as an independent ActivityPub peer in Village's tests.
//
//   node peer.mjs 127.0.0.4:8090 fedi      (or FEDIFY_ADDR / FEDIFY_USERNAME)
//
// One Person actor, an in-memory KV store, fresh RSA and Ed25519 keys, no
// message queue (activities are sent at once, so the control API reports
// delivery errors). Fedify's own defaults are kept on purpose: RFC 9421
// signatures first and draft-cavage after a refusal ("double knocking"),
// compacted JSON-LD, Linked Data Signatures and Object Integrity Proofs.
// Only loopback addresses are allowed, over plain http.
//
// The test drives it through a small JSON API under /control (see README.md).

import { AsyncLocalStorage } from "node:async_hooks";
import { createServer } from "node:http";
import { randomUUID } from "node:crypto";
import { isIPv4 } from "node:net";
import {
  createFederation,
  generateCryptoKeyPair,
  MemoryKvStore,
  signRequest,
} from "@fedify/fedify";
import {
  Accept,
  Activity,
  Create,
  Delete,
  Endpoints,
  Event as AsEvent,
  Follow,
  isActor,
  Join,
  Leave,
  Like,
  Mention,
  Note,
  Person,
  Place,
  PUBLIC_COLLECTION,
  Question,
  Reject,
  TentativeAccept,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { Temporal } from "@js-temporal/polyfill";
// The JSON-LD processor Fedify itself uses (its dependency, installed at
// the top of node_modules by package-lock.json).
import jsonld from "jsonld";
import { configure, getConsoleSink } from "@logtape/logtape";

const addr = process.argv[2] ?? process.env.FEDIFY_ADDR ?? "";
const username = process.argv[3] ?? process.env.FEDIFY_USERNAME ?? "fedi";
const [host, port] = splitHostPort(addr);
if (!isLoopback(host) || !(port > 0 && port < 65536)) {
  fail(`usage: peer.mjs 127.0.0.x:PORT [username] (got address "${addr}")`);
}
if (!/^[a-z0-9_]+$/.test(username)) fail(`invalid username "${username}"`);
const origin = `http://${addr}`;
const handle = `@${username}@${addr}`;

// ---------------------------------------------------------------- logging

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { console: getConsoleSink() },
  loggers: [
    { category: ["fedify"], sinks: ["console"], lowestLevel: process.env.FEDIFY_LOG_LEVEL ?? "info" },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
  ],
});

function log(...parts) {
  console.log(new Date().toISOString(), "peer:", ...parts);
}

function fail(message) {
  console.error("peer:", message);
  process.exit(2);
}

// ------------------------------------------------- outgoing HTTP requests

// Every request Fedify makes goes through fetch. This wrapper records which
// signature scheme each one carried and the answer it got (so tests can see
// the double knock), and does the one thing a loopback test needs:
// Fedify looks up acct: handles over https only, so a WebFinger request to
// a loopback address is sent over http instead. Nothing else is changed, and
// nothing but loopback addresses may be reached.
const sent = [];
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  let url = new URL(input instanceof Request ? input.url : input);
  if (!isLoopback(url.hostname)) {
    throw new TypeError(`peer: refusing to reach a non-loopback address: ${url.href}`);
  }
  if (url.protocol === "https:" && url.pathname === "/.well-known/webfinger") {
    url = new URL(url.href.replace(/^https:/, "http:"));
    input = input instanceof Request ? new Request(url, input) : url;
  }
  const headers = new Headers(input instanceof Request ? input.headers : init?.headers);
  const method = (input instanceof Request ? input.method : init?.method) ?? "GET";
  const signature = headers.has("signature-input")
    ? "rfc9421"
    : headers.has("signature")
      ? "draft-cavage"
      : "none";
  const entry = { method, url: url.href, signature, status: 0 };
  sent.push(entry);
  try {
    const response = await realFetch(input, init);
    entry.status = response.status;
    log(`-> ${method} ${url.href} [${signature}] ${response.status}`);
    return response;
  } catch (error) {
    entry.error = String(error?.cause ?? error);
    log(`-> ${method} ${url.href} [${signature}] failed: ${entry.error}`);
    throw error;
  }
};

// ------------------------------------------------------------------ state

const received = []; // activities that passed Fedify's verification, as sent
const refused = []; // inbox POSTs Fedify answered with an error
const incoming = []; // every request to the peer (but /control): method, path, signature scheme, status
const followers = new Map(); // actor id -> Actor
const following = new Map(); // actor id -> { follow, actor, state }
const notes = new Map(); // note id -> { note, mentioned, recipients, updates }
const objects = new Map(); // Question or Event id -> what we received of it (see keepObjects)

const keys = [
  await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
  await generateCryptoKeyPair("Ed25519"),
];

// ------------------------------------------------------------- federation

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin,
  // Test only: Village listens on 127.0.0.x.
  allowPrivateAddress: true,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== username) return null;
    const pairs = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `Fedify ${identifier}`,
      summary: "An independent ActivityPub peer for Village's tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      manuallyApprovesFollowers: false,
      discoverable: true,
      published: Temporal.Instant.from("2026-01-01T00:00:00Z"),
      publicKey: pairs[0].cryptographicKey,
      assertionMethods: pairs.map((pair) => pair.multikey),
    });
  })
  .mapHandle((_ctx, name) => (name === username ? username : null))
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === username ? keys : []));

federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) =>
  identifier === username ? { items: [] } : null,
);

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) =>
    identifier === username ? { items: [...followers.values()] } : null,
  )
  .setCounter((_ctx, identifier) => (identifier === username ? followers.size : null));

federation
  .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) =>
    identifier === username
      ? {
          items: [...following.entries()]
            .filter(([, f]) => f.state === "accepted")
            .map(([id]) => new URL(id)),
        }
      : null,
  )
  .setCounter((_ctx, identifier) =>
    identifier === username
      ? [...following.values()].filter((f) => f.state === "accepted").length
      : null,
  );

federation.setObjectDispatcher(Note, "/notes/{id}", (ctx, values) => {
  return notes.get(ctx.getObjectUri(Note, values).href)?.note ?? null;
});

federation.setNodeInfoDispatcher("/nodeinfo/2.1", () => ({
  software: { name: "fedify-peer", version: "2.3.6" },
  protocols: ["activitypub"],
  usage: { users: { total: 1, activeMonth: 1, activeHalfyear: 1 }, localPosts: notes.size, localComments: 0 },
  openRegistrations: false,
}));

// Records an activity that Fedify verified, in the form the sender sent it.
async function record(ctx, activity) {
  let json = ctx.data?.raw;
  if (json == null || json.id !== activity.id?.href) {
    json = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  }
  received.push(json);
  log(`received ${json.type} ${json.id} from ${activity.actorId?.href}`);
  await keepObjects(ctx, activity, json, json, []).catch((error) =>
    log(`cannot read the object of ${json.id}:`, error?.stack ?? String(error)),
  );
}

// keepObjects keeps the Questions and Events an activity carries, however
// deep (Create, Update, a group's Announce of either), by id: the last
// version as sent ("raw") and as Fedify's vocabulary read it
// ("understood"), so a test sees what an independent reader makes of the
// sender's JSON-LD, and which activity (outer: the one delivered) carried
// it. Only embedded objects are read: nothing is fetched.
async function keepObjects(ctx, activity, json, outer, path) {
  const inner = json?.object;
  if (inner == null || typeof inner !== "object" || Array.isArray(inner)) return;
  const via = [...path, json.type];
  const object = await activity.getObject(readOptions(ctx));
  // Fedify's Question is an IntransitiveActivity: test it before Activity.
  if (object instanceof Question || object instanceof AsEvent) {
    const id = object.id?.href ?? inner.id;
    const entry = objects.get(id) ?? { id, via: [] };
    entry.raw = inner;
    entry.understood = await understood(ctx, object);
    entry.expanded = await expandedTerms(ctx, outer["@context"], inner);
    entry.via.push({ path: via.join("/"), activity: outer.id, actor: outer.actor });
    objects.set(id, entry);
  } else if (object instanceof Activity) {
    await keepObjects(ctx, object, inner, outer, via);
  }
}

// expandedTerms is the object's properties as a JSON-LD processor reads
// them under the @context of the activity delivered (an embedded object
// has none of its own): full IRI -> first value (or id). A term that
// context does not define is missing here, whatever the raw JSON says.
async function expandedTerms(ctx, context, inner) {
  const [node] = await jsonld.expand({ "@context": context, ...inner }, { documentLoader: ctx.contextLoader });
  const terms = {};
  for (const [iri, values] of Object.entries(node ?? {})) {
    if (iri.startsWith("@")) continue;
    const [first] = values;
    terms[iri] = first?.["@value"] ?? first?.["@id"] ?? first ?? null;
  }
  return terms;
}

function readOptions(ctx) {
  return { documentLoader: ctx.documentLoader, contextLoader: ctx.contextLoader, suppressError: true };
}

// understood is what Fedify's vocabulary reads of a Question or an Event:
// properties it does not know (Mobilizon's, for one) are not there.
async function understood(ctx, object) {
  const opts = readOptions(ctx);
  const text = (v) => (v == null ? null : String(v));
  const out = {
    id: object.id?.href ?? null,
    type: object instanceof Question ? "Question" : "Event",
    name: text(object.name),
    content: text(object.content),
    summary: text(object.summary),
    attributedTo: object.attributionIds.map((u) => u.href),
    audience: object.audienceIds.map((u) => u.href),
    startTime: text(object.startTime),
    endTime: text(object.endTime),
    updated: text(object.updated),
  };
  if (object instanceof Question) {
    const options = async (items) => {
      const list = [];
      for await (const o of items) {
        const replies = await o.getReplies(opts);
        list.push({ name: text(o.name), totalItems: replies?.totalItems ?? null });
      }
      return list;
    };
    out.oneOf = await options(object.getExclusiveOptions(opts));
    out.anyOf = await options(object.getInclusiveOptions(opts));
    out.votersCount = object.voters;
    out.closed = object.closed === true ? true : text(object.closed || null);
  } else {
    const place = await object.getLocation(opts);
    out.location =
      place instanceof Place
        ? { name: text(place.name), latitude: place.latitude, longitude: place.longitude }
        : place == null
          ? null
          : { type: place.constructor.name, href: place.href?.href ?? place.id?.href ?? null };
  }
  return out;
}

federation
  .setInboxListeners("/users/{identifier}/inbox", "/inbox")
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    const me = ctx.getActorUri(username);
    if (follow.objectId?.href !== me.href || follow.actorId == null) return;
    const follower = await follow.getActor(ctx);
    if (!isActor(follower)) throw new Error(`cannot fetch follower ${follow.actorId.href}`);
    followers.set(follower.id.href, follower);
    // Auto-accept, embedding the Follow as Mastodon does.
    await ctx.sendActivity(
      { identifier: username },
      follower,
      new Accept({
        id: new URL(`/accepts/${randomUUID()}`, origin),
        actor: me,
        object: follow,
      }),
    );
  })
  .on(Accept, async (ctx, accept) => {
    await record(ctx, accept);
    setFollowState(accept.objectId, accept.actorId, "accepted");
  })
  .on(Reject, async (ctx, reject) => {
    await record(ctx, reject);
    setFollowState(reject.objectId, reject.actorId, "rejected");
  })
  .on(Undo, async (ctx, undo) => {
    await record(ctx, undo);
    const object = await undo.getObject(ctx).catch(() => null);
    if (object instanceof Follow && undo.actorId != null) {
      followers.delete(undo.actorId.href);
    }
  })
  // Everything else (Announce, Create, Update, Delete, Like, ...).
  .on(Activity, record)
  .onError((_ctx, error) => log("inbox error:", error?.stack ?? String(error)));

// Marks our Follow (by its id, or else the one we sent to actorId) as
// accepted or rejected.
function setFollowState(followId, actorId, state) {
  for (const [id, f] of following) {
    if ((followId != null && f.follow.id.href === followId.href) || id === actorId?.href) {
      f.state = state;
    }
  }
}

// ------------------------------------------------------------ control API

const self = () => new URL(`/users/${username}`, origin);
const context = () => federation.createContext(new URL(origin), {});

// Looks a handle (@user@host:port) or URL up through Fedify, with signed
// fetches as our actor.
async function lookup(ctx, target) {
  if (typeof target !== "string" || target === "") throw new HttpError(400, "missing target");
  const documentLoader = await ctx.getDocumentLoader({ identifier: username });
  const object = await ctx.lookupObject(target, { documentLoader });
  if (object == null) throw new HttpError(404, `cannot look up ${target}`);
  return object;
}

async function lookupActor(ctx, target) {
  const actor = await lookup(ctx, target);
  if (!isActor(actor)) throw new HttpError(422, `${target} is not an actor`);
  return actor;
}

function targets(value) {
  if (value == null) return [];
  return Array.isArray(value) ? value : [value];
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A Mastodon-style mention link for an actor.
function mentionHtml(actor) {
  const href = actor.url instanceof URL ? actor.url.href : actor.id.href;
  return `<span class="h-card"><a href="${escapeHtml(href)}" class="u-url mention">@<span>${escapeHtml(actor.preferredUsername ?? "")}</span></a></span>`;
}

function acct(actor) {
  return `@${actor.preferredUsername}@${actor.id.host}`;
}

const routes = {
  "GET /control/healthz": async () => ({ ok: true, actor: self().href, handle }),
  "GET /control/received": async () => received,
  "GET /control/sent": async () => sent,
  "GET /control/refused": async () => refused,
  "GET /control/incoming": async () => incoming,
  "GET /control/followers": async () => [...followers.keys()],
  "GET /control/objects": async () => [...objects.values()],
  "GET /control/following": async () =>
    [...following.entries()].map(([id, f]) => ({ id, state: f.state, follow: f.follow.id.href })),

  // {"target": "@group@127.0.0.2:8080" | actor URL}
  "POST /control/follow": async (body) => {
    const ctx = context();
    const actor = await lookupActor(ctx, body.target);
    const follow = new Follow({
      id: new URL(`/follows/${randomUUID()}`, origin),
      actor: self(),
      object: actor.id,
      to: actor.id,
    });
    following.set(actor.id.href, { follow, actor, state: "pending" });
    try {
      await ctx.sendActivity({ identifier: username }, actor, follow);
    } catch (error) {
      following.delete(actor.id.href);
      throw error;
    }
    return { id: follow.id.href, actor: actor.id.href };
  },

  // {"target": handle or actor URL}
  "POST /control/unfollow": async (body) => {
    const ctx = context();
    const actor = await lookupActor(ctx, body.target);
    const f = following.get(actor.id.href);
    if (f == null) throw new HttpError(404, `not following ${body.target}`);
    const undo = new Undo({
      id: new URL(`/undos/${randomUUID()}`, origin),
      actor: self(),
      object: f.follow,
      to: actor.id,
    });
    await ctx.sendActivity({ identifier: username }, actor, undo);
    following.delete(actor.id.href);
    return { id: undo.id.href };
  },

  // {"to": handle/URL or a list, "content": "plain text", "inReplyTo"?: URL}
  // A public Note that mentions each "to" actor, addressed as Mastodon does:
  // to Public and the mentioned actors, cc our followers, a Mention tag each.
  // It goes to the mentioned actors and to our followers.
  "POST /control/note": async (body) => {
    const ctx = context();
    const mentioned = [];
    for (const t of targets(body.to)) mentioned.push(await lookupActor(ctx, t));
    if (typeof body.content !== "string") throw new HttpError(400, "missing content");
    const id = ctx.getObjectUri(Note, { id: randomUUID() });
    const html = `<p>${[...mentioned.map(mentionHtml), escapeHtml(body.content)].join(" ")}</p>`;
    const note = new Note({
      id,
      attribution: self(),
      content: html,
      url: id,
      published: Temporal.Now.instant(),
      replyTarget: body.inReplyTo ? new URL(body.inReplyTo) : null,
      tos: [PUBLIC_COLLECTION, ...mentioned.map((a) => a.id)],
      ccs: [ctx.getFollowersUri(username)],
      tags: mentioned.map((a) => new Mention({ href: a.id, name: acct(a) })),
    });
    const recipients = uniqueActors([...mentioned, ...followers.values()]);
    notes.set(id.href, { note, mentioned, recipients, updates: 0 });
    const create = new Create({
      id: new URL(`${id.href}/activity`),
      actor: self(),
      object: note,
      tos: note.toIds,
      ccs: note.ccIds,
      published: note.published,
    });
    await send(ctx, recipients, create);
    return { id: id.href, activity: create.id.href };
  },

  // {"id": note id, "content": "plain text"}
  "POST /control/update": async (body) => {
    const ctx = context();
    const entry = notes.get(body.id);
    if (entry == null) throw new HttpError(404, `no note ${body.id}`);
    if (typeof body.content !== "string") throw new HttpError(400, "missing content");
    const mentions = entry.mentioned.map(mentionHtml);
    entry.updates++;
    entry.note = entry.note.clone({
      content: `<p>${[...mentions, escapeHtml(body.content)].join(" ")}</p>`,
      updated: Temporal.Now.instant(),
    });
    const update = new Update({
      id: new URL(`${body.id}/updates/${entry.updates}`),
      actor: self(),
      object: entry.note,
      tos: entry.note.toIds,
      ccs: entry.note.ccIds,
    });
    await send(ctx, uniqueActors([...entry.recipients, ...followers.values()]), update);
    return { id: update.id.href };
  },

  // {"id": note id}
  "POST /control/delete": async (body) => {
    const ctx = context();
    const entry = notes.get(body.id);
    if (entry == null) throw new HttpError(404, `no note ${body.id}`);
    notes.delete(body.id);
    const del = new Delete({
      id: new URL(`${body.id}/delete`),
      actor: self(),
      object: new Tombstone({ id: entry.note.id }),
      tos: entry.note.toIds,
      ccs: entry.note.ccIds,
    });
    await send(ctx, uniqueActors([...entry.recipients, ...followers.values()]), del);
    return { id: del.id.href };
  },

  // {"url": URL, "signed"?: false, "spec"?: "rfc9421"}: a GET of url as an
  // ActivityPub client, signed by our actor (draft-cavage, rsa-sha256, as
  // servers in authorized-fetch mode send, or RFC 9421 when "spec" says so)
  // unless "signed" is false. Answers the status and body as received,
  // whatever the status, so that tests can compare refusals byte for byte.
  "POST /control/fetch": async (body) => {
    if (typeof body.url !== "string" || body.url === "") throw new HttpError(400, "missing url");
    let request = new Request(body.url, {
      headers: { accept: 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"' },
    });
    if (body.signed !== false) {
      const [rsa] = await context().getActorKeyPairs(username);
      const spec = body.spec === "rfc9421" ? "rfc9421" : "draft-cavage-http-signatures-12";
      request = await signRequest(request, rsa.privateKey, rsa.keyId, { spec });
    }
    const response = await fetch(request);
    return { status: response.status, contentType: response.headers.get("content-type") ?? "", body: await response.text() };
  },

  // {"question": URL, "choices": ["option name", ...]}: a vote as Mastodon
  // sends one, Create{Note{name: option, inReplyTo: the Question}} per
  // choice, to the Question's author only and to its own inbox (not a
  // shared one). No check of the choices: the author decides.
  "POST /control/vote": async (body) => {
    const ctx = context();
    const question = await lookup(ctx, body.question);
    if (!(question instanceof Question)) throw new HttpError(422, `${body.question} is not a Question`);
    const choices = targets(body.choices);
    if (choices.length === 0 || !choices.every((c) => typeof c === "string")) {
      throw new HttpError(400, "missing choices");
    }
    const authorId = question.attributionIds[0];
    if (authorId == null) throw new HttpError(422, `${body.question} has no author`);
    const author = await lookupActor(ctx, authorId.href);
    const votes = [];
    for (const choice of choices) {
      const id = new URL(`${self().href}#votes/${randomUUID()}`);
      const note = new Note({ id, attribution: self(), name: choice, replyTarget: question.id, tos: [author.id] });
      const create = new Create({ id: new URL(`${id.href}/activity`), actor: self(), object: note, tos: [author.id] });
      await ctx.sendActivity({ identifier: username }, author, create, { preferSharedInbox: false });
      votes.push({ id: id.href, activity: create.id.href });
    }
    return { votes };
  },

  // {"event": URL, "type": "Join" | "Leave" | "TentativeAccept"}: an
  // answer to an Event with the Event as object, sent to its author and
  // audience (a group). Join and Leave are Mobilizon's (Fedify's Join has
  // no participationMessage, so none is sent), TentativeAccept (maybe) is
  // Friendica's.
  "POST /control/rsvp": async (body) => {
    const ctx = context();
    const kinds = { Join, Leave, TentativeAccept };
    const Kind = kinds[body.type];
    if (Kind == null) throw new HttpError(400, `type must be one of ${Object.keys(kinds).join(", ")}`);
    const event = await lookup(ctx, body.event);
    if (!(event instanceof AsEvent)) throw new HttpError(422, `${body.event} is not an Event`);
    const recipients = [];
    for (const id of [...event.attributionIds, ...event.audienceIds]) {
      const actor = await lookupActor(ctx, id.href).catch(() => null);
      if (actor != null) recipients.push(actor);
    }
    const others = uniqueActors(recipients);
    if (others.length === 0) throw new HttpError(422, `nobody to answer ${body.event} to`);
    const answer = new Kind({
      id: new URL(`/${body.type.toLowerCase()}s/${randomUUID()}`, origin),
      actor: self(),
      object: event.id,
      tos: others.map((a) => a.id),
    });
    await send(ctx, others, answer);
    return { id: answer.id.href };
  },

  // {"object": URL, "to"?: handle/URL or a list}: a Like sent to the
  // object's author, its audience (a group) and each "to" actor.
  "POST /control/like": async (body) => {
    const ctx = context();
    const object = await lookup(ctx, body.object);
    const recipients = [];
    for (const id of [...object.attributionIds, ...object.audienceIds]) {
      const actor = await lookupActor(ctx, id.href).catch(() => null);
      if (actor != null) recipients.push(actor);
    }
    for (const t of targets(body.to)) recipients.push(await lookupActor(ctx, t));
    // Not ourselves, when liking our own note.
    const others = uniqueActors(recipients).filter((a) => a.id.href !== self().href);
    if (others.length === 0) throw new HttpError(422, `nobody to tell about a like of ${body.object}`);
    const like = new Like({
      id: new URL(`/likes/${randomUUID()}`, origin),
      actor: self(),
      object: object.id,
      tos: others.map((a) => a.id),
    });
    await send(ctx, others, like);
    return { id: like.id.href };
  },
};

async function send(ctx, recipients, activity) {
  if (recipients.length === 0) return;
  await ctx.sendActivity({ identifier: username }, recipients, activity, { preferSharedInbox: true });
}

function uniqueActors(actors) {
  const seen = new Map();
  for (const a of actors) if (a?.id != null && !seen.has(a.id.href)) seen.set(a.id.href, a);
  return [...seen.values()];
}

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

// ------------------------------------------------------------- HTTP server

const server = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = Buffer.concat(chunks);
  const url = new URL(req.url ?? "/", origin);
  try {
    if (url.pathname.startsWith("/control/")) {
      await control(req.method, url.pathname, body, res);
      return;
    }
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    const request = new Request(url, {
      method: req.method,
      headers,
      body: hasBody ? body : undefined,
    });
    let raw = null;
    if (hasBody) {
      try {
        raw = JSON.parse(body.toString("utf8"));
      } catch {
        raw = null;
      }
    }
    const response = await federation.fetch(request, { contextData: { raw } });
    const out = Buffer.from(await response.arrayBuffer());
    const scheme = headers.has("signature-input")
      ? "rfc9421"
      : headers.has("signature")
        ? "draft-cavage"
        : "unsigned";
    log(`<- ${req.method} ${url.pathname}${url.search} [${scheme}] ${response.status}`);
    incoming.push({ method: req.method, path: url.pathname, signature: scheme, status: response.status });
    if (req.method === "POST" && response.status >= 400) {
      refused.push({ path: url.pathname, status: response.status, answer: out.toString("utf8"), activity: raw });
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(out);
  } catch (error) {
    log(`<- ${req.method} ${url.pathname} failed:`, error?.stack ?? String(error));
    res.writeHead(500, { "content-type": "text/plain" });
    res.end(String(error));
  }
});

async function control(method, path, body, res) {
  const route = routes[`${method} ${path}`];
  let status = 200;
  let answer;
  if (route == null) {
    status = 404;
    answer = { error: `no control route ${method} ${path}` };
  } else {
    try {
      answer = await route(body.length > 0 ? JSON.parse(body.toString("utf8")) : {});
    } catch (error) {
      status = error instanceof HttpError ? error.status : error instanceof SyntaxError ? 400 : 502;
      answer = { error: String(error?.message ?? error) };
      log(`control ${method} ${path}: ${status} ${answer.error}`);
    }
  }
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(answer));
}

server.listen(port, host, () => log(`Fedify peer ${handle} at ${origin}`));

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}

// ------------------------------------------------------------------ helpers

function splitHostPort(s) {
  const i = s.lastIndexOf(":");
  if (i < 0) return ["", 0];
  return [s.slice(0, i), Number(s.slice(i + 1))];
}

function isLoopback(hostname) {
  return isIPv4(hostname) && hostname.startsWith("127.");
}
