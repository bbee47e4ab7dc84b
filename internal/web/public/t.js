/* Lodestone tracking snippet: page views, a first-party visitor id, identify on
   form submit, and the visitor id on links to and frames of hosted forms. No
   dependencies; does nothing when the browser sends Global Privacy Control, and waits
   for lodestone('consent') when the workspace asks for consent. */
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = script ? new URL(script.src).origin : "";
  var REQUIRE_CONSENT = __REQUIRE_CONSENT__;
  var COOKIE = "ls_vid";
  var queue = (window.lodestone && window.lodestone.q) || [];
  var consented = !REQUIRE_CONSENT;
  var pending = [];

  if (navigator.globalPrivacyControl === true) {
    window.lodestone = function () {};
    window.lodestone.visitorId = function () { return ""; };
    return;
  }

  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  function visitorId() {
    var id = cookie(COOKIE);
    if (!id) {
      var bytes = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      id = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    // Renewed on every visit: a year after the last one.
    document.cookie = COOKIE + "=" + id + "; max-age=31536000; path=/; SameSite=Lax" + (location.protocol === "https:" ? "; Secure" : "");
    return id;
  }

  function send(hit) {
    if (!consented) {
      pending.push(hit);
      return;
    }
    hit.visitor_id = visitorId();
    // Where the workspace asks for consent, the server keeps only hits that say it was given.
    if (REQUIRE_CONSENT) hit.consent = true;
    var body = JSON.stringify(hit);
    // text/plain keeps the beacon a simple request: no CORS preflight.
    var blob = new Blob([body], { type: "text/plain" });
    if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint + "/collect", blob))) {
      fetch(endpoint + "/collect", { method: "POST", body: body, keepalive: true, mode: "no-cors", credentials: "omit" });
    }
  }

  function pageView() {
    send({ type: "page_view", page_url: location.href, referrer: document.referrer, title: document.title });
  }

  function identify(email, traits) {
    if (!email) return;
    var hit = { type: "identify", email: String(email), page_url: location.href };
    if (traits) hit.traits = traits;
    send(hit);
  }

  // Forms that post to Lodestone carry the visitor id; other forms identify by their
  // email field, so the anonymous history joins the contact either way.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form || form.tagName !== "FORM") return;
    // A form drawn by embed.js sends the visitor id with its own post.
    if (form.closest && form.closest(".lodestone-form")) return;
    var action = form.getAttribute("action") || "";
    if (action.indexOf(endpoint + "/f/") === 0 || (action.indexOf("/f/") === 0 && location.origin === endpoint)) {
      if (!consented) return;
      var input = form.querySelector("input[name=visitor_id]");
      if (!input) {
        input = document.createElement("input");
        input.type = "hidden";
        input.name = "visitor_id";
        form.appendChild(input);
      }
      input.value = visitorId();
      return;
    }
    var field = form.querySelector("input[type=email], input[name=email]");
    if (field && field.value) identify(field.value);
  }, true);

  // Links to Lodestone's hosted forms carry the visitor id as they are followed, so
  // a visitor who goes to the hosted page joins their history there too.
  function followLink(e) {
    var a = e.target && e.target.closest && e.target.closest("a[href]");
    if (!a || !consented || typeof a.href !== "string") return;
    var u = new URL(a.href);
    if (u.origin !== endpoint || u.pathname.indexOf("/f/") !== 0) return;
    u.searchParams.set("visitor_id", visitorId());
    a.href = u.href;
  }
  document.addEventListener("click", followLink, true);
  document.addEventListener("auxclick", followLink, true);

  function call(cmd, a, b) {
    if (cmd === "identify") identify(a, b);
    else if (cmd === "page") pageView();
    else if (cmd === "consent") {
      consented = true;
      var hits = pending;
      pending = [];
      hits.forEach(send);
    }
  }

  window.lodestone = function () { call.apply(null, arguments); };
  // The frame snippet of a hosted form asks for the visitor id: none before consent.
  window.lodestone.visitorId = function () { return consented ? visitorId() : ""; };
  queue.forEach(function (args) { call.apply(null, args); });
  pageView();
})();
