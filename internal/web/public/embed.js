/* Lodestone embedded form. Paste where the form should appear:
     <script src="https://LODESTONE/f/SLUG/embed.js" async></script>
   It renders the form in place and posts it as JSON; the server answers this page's
   origin only when the form lists it in allowed_origins. Without JavaScript, link to
   or frame the hosted page /f/SLUG instead. The server sends the ALTCHA widget
   ahead of this file; the form carries an <altcha-widget> that fetches its
   proof-of-work challenge and solves it as soon as the form is drawn. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var src = new URL(script.src);
  var base = src.origin + src.pathname.replace(/\/embed\.js$/, "");
  var mount = document.createElement("div");
  mount.className = "lodestone-form";
  script.parentNode.insertBefore(mount, script);

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) if (attrs[k] !== undefined && attrs[k] !== false) e.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    if (text) e.textContent = text;
    return e;
  }

  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  function tracking() {
    var out = { page_url: location.href };
    if (document.referrer) out.referrer = document.referrer;
    var q = new URLSearchParams(location.search);
    ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"].forEach(function (k) {
      if (q.get(k)) out[k] = q.get(k);
    });
    var vid = cookie("ls_vid");
    if (vid) out.visitor_id = vid;
    return out;
  }

  function render(def) {
    var form = el("form", { novalidate: true });
    var errors = {};
    if (def.page && def.page.headline) form.appendChild(el("h3", {}, def.page.headline));
    if (def.page && def.page.text) form.appendChild(el("p", {}, def.page.text));
    def.fields.forEach(function (f) {
      if (f.type === "hidden") {
        form.appendChild(el("input", { type: "hidden", name: f.name, value: f.default || "" }));
        return;
      }
      var wrap = el("div", { "class": "lodestone-field" });
      var id = "ls-" + def.slug + "-" + f.name;
      var input;
      if (f.type === "checkbox") {
        var label = el("label", { "for": id });
        input = el("input", { type: "checkbox", id: id, name: f.name, value: "yes", required: f.required });
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + f.label));
        wrap.appendChild(label);
      } else {
        wrap.appendChild(el("label", { "for": id }, f.label + (f.required ? " *" : "")));
        if (f.type === "select") {
          input = el("select", { id: id, name: f.name, required: f.required });
          input.appendChild(el("option", { value: "" }, "Choose…"));
          (f.options || []).forEach(function (o) { input.appendChild(el("option", { value: o }, o)); });
        } else if (f.type === "textarea") {
          input = el("textarea", { id: id, name: f.name, required: f.required });
        } else {
          input = el("input", { id: id, name: f.name, required: f.required,
            type: f.type === "email" ? "email" : f.type === "phone" ? "tel" : "text" });
        }
        wrap.appendChild(input);
      }
      errors[f.name] = wrap.appendChild(el("p", { "class": "lodestone-error", role: "alert" }));
      form.appendChild(wrap);
    });
    (def.consents || []).forEach(function (c) {
      var name = "consent_" + c.purpose;
      var label = el("label", { "class": "lodestone-consent" });
      label.appendChild(el("input", { type: "checkbox", name: name, value: "yes", required: c.required }));
      label.appendChild(document.createTextNode(" " + c.label));
      form.appendChild(label);
      errors[name] = form.appendChild(el("p", { "class": "lodestone-error", role: "alert" }));
    });
    var banner = form.appendChild(el("p", { "class": "lodestone-error", role: "alert" }));
    var button = form.appendChild(el("button", { type: "submit" }, (def.page && def.page.button_text) || "Send"));
    var widget = form.insertBefore(el("altcha-widget", { challenge: base + "/challenge", auto: "onload", name: "altcha" }), banner);
    var sending = false;

    // proof resolves to the widget's payload: at once when it is solved, once it is
    // when it is being solved, after solving it otherwise; "" when it cannot be (the
    // server then judges the post without one).
    function proof() {
      if (typeof widget.getState !== "function") return Promise.resolve("");
      var state = widget.getState();
      var input = form.elements.namedItem("altcha");
      if (state === "verified" && input && input.value) return Promise.resolve(input.value);
      return new Promise(function (resolve) {
        function changed(e) {
          var s = e.detail && e.detail.state;
          if (s === "verified" || s === "error" || s === "expired") {
            widget.removeEventListener("statechange", changed);
            resolve(s === "verified" ? e.detail.payload || "" : "");
          }
        }
        widget.addEventListener("statechange", changed);
        if (state !== "verifying") widget.verify();
      });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = tracking();
      // When the form was drawn, signed by the server: it refuses posts sent faster than a person types.
      if (def.stamp) body._ts = def.stamp;
      Array.prototype.forEach.call(form.elements, function (x) {
        if (!x.name) return;
        if (x.type === "checkbox") { if (x.checked) body[x.name] = true; }
        else if (x.value) body[x.name] = x.value;
      });
      for (var k in errors) errors[k].textContent = "";
      banner.textContent = "";
      if (sending) return;
      sending = true;
      button.disabled = true;
      // The proof of work was solved while the visitor typed.
      delete body.altcha;
      proof().then(function (p) {
        if (p) body.altcha = p;
        return fetch(base, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "omit" });
      })
        .then(function (res) { return res.json().then(function (j) { return { status: res.status, body: j }; }); })
        .then(function (r) {
          if (r.status === 201) {
            var ty = def.thank_you || {};
            if (ty.redirect_url) { location.href = ty.redirect_url; return; }
            mount.textContent = "";
            mount.appendChild(el("p", { "class": "lodestone-thanks" }, ty.message || "Thank you! We have received your details."));
            var magnet = r.body.magnet_url || ty.lead_magnet_url;
            if (magnet) mount.appendChild(el("a", { href: magnet, "class": "lodestone-magnet" }, ty.lead_magnet_label || "Download"));
            return;
          }
          var problems = (r.body.error && r.body.error.details) || [];
          if (!problems.length && r.body.error) problems = [{ field: r.body.error.field, message: r.body.error.message }];
          problems.forEach(function (p) {
            (errors[p.field] || banner).textContent = p.message;
            // A refused or spent proof: solve a fresh challenge for the next try.
            if (p.field === "altcha" && typeof widget.reset === "function") { widget.reset(); widget.verify(); }
            // A stamp too old (a tab left open for a day): a fresh one for the next press.
            if (p.field === "_ts") {
              fetch(base + "/definition.json", { credentials: "omit" })
                .then(function (res) { return res.ok ? res.json() : null; })
                .then(function (d) { if (d && d.stamp) def.stamp = d.stamp; })
                .catch(function () {});
            }
          });
          sending = false;
          button.disabled = false;
        })
        .catch(function () {
          banner.textContent = "The form could not be sent. Please try again.";
          sending = false;
          button.disabled = false;
        });
    });
    mount.appendChild(form);
  }

  fetch(base + "/definition.json", { credentials: "omit" })
    .then(function (res) { if (!res.ok) throw new Error(res.status); return res.json(); })
    .then(render)
    .catch(function () {
      mount.appendChild(el("a", { href: base }, "Open the form"));
    });
})();
