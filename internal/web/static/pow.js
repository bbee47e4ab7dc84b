/* Lodestone proof of work. A form's challenge is signed by the server; this script
   finds the number N for which SHA-256("CHALLENGE.N") starts with the challenge's
   number of zero bits, and sends "CHALLENGE.N" as the hidden field _pow. A person
   does not notice the tenth of a second it takes; a bot pays it for every post.

   Forms opt in with data-pow-url (where a fresh challenge is fetched) and, on the
   hosted page, data-pow-challenge / data-pow-difficulty / data-pow-expires for the
   challenge issued with the page. The embedded form (embed.js) uses
   LodestonePow.prepare(url) directly. */
(function () {
  "use strict";
  if (window.LodestonePow) return;

  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var H0 = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
  var W = new Int32Array(64);

  // compress mixes one 64-byte block (bytes[at..at+64]) into the state h.
  function compress(h, bytes, at) {
    var i, x, y;
    for (i = 0; i < 16; i++) {
      W[i] = (bytes[at + 4 * i] << 24) | (bytes[at + 4 * i + 1] << 16) | (bytes[at + 4 * i + 2] << 8) | bytes[at + 4 * i + 3];
    }
    for (i = 16; i < 64; i++) {
      x = W[i - 15];
      y = W[i - 2];
      W[i] = (W[i - 16] + (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + W[i - 7] +
        (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10))) | 0;
    }
    var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7], t1, t2;
    for (i = 0; i < 64; i++) {
      t1 = (k + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
        ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
        ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0; h[5] = (h[5] + f) | 0; h[6] = (h[6] + g) | 0; h[7] = (h[7] + k) | 0;
  }

  // searcher hashes "PREFIX" + N for N = 0, 1, 2, … The whole 64-byte blocks of the
  // prefix are hashed once; each try hashes only the last block or two.
  function searcher(prefix) {
    var full = Math.floor(prefix.length / 64) * 64;
    var mid = new Int32Array(H0);
    var bytes = new Uint8Array(prefix.length + 16);
    for (var i = 0; i < prefix.length; i++) bytes[i] = prefix.charCodeAt(i) & 0xff;
    for (i = 0; i < full; i += 64) compress(mid, bytes, i);
    var tailLen = prefix.length - full;
    var block = new Uint8Array(128);
    var h = new Int32Array(8);
    return function (n) {
      var digits = String(n), len = tailLen, i;
      block.fill(0);
      for (i = 0; i < tailLen; i++) block[i] = bytes[full + i];
      for (i = 0; i < digits.length; i++) block[len++] = digits.charCodeAt(i);
      block[len] = 0x80;
      var blocks = len + 9 <= 64 ? 1 : 2;
      var bitLen = (prefix.length + digits.length) * 8;
      var end = blocks * 64;
      block[end - 4] = bitLen >>> 24; block[end - 3] = bitLen >>> 16; block[end - 2] = bitLen >>> 8; block[end - 1] = bitLen;
      h.set(mid);
      compress(h, block, 0);
      if (blocks === 2) compress(h, block, 64);
      return h;
    };
  }

  function zeroBits(h, bits) {
    if (bits <= 32) return (h[0] >>> (32 - bits)) === 0 || bits === 0;
    return h[0] === 0 && (h[1] >>> (64 - bits)) === 0;
  }

  // solve finds the proof of a challenge without freezing the page: it works in
  // slices and yields between them.
  function solve(challenge, bits) {
    return new Promise(function (resolve) {
      var hash = searcher(challenge + "."), n = 0;
      function slice() {
        var stop = n + 20000;
        for (; n < stop; n++) {
          if (zeroBits(hash(n), bits)) { resolve(challenge + "." + n); return; }
        }
        setTimeout(slice, 0);
      }
      slice();
    });
  }

  function fetchChallenge(url) {
    return fetch(url, { credentials: "omit", cache: "no-store" }).then(function (res) {
      if (!res.ok) throw new Error("challenge " + res.status);
      return res.json();
    }).then(function (c) {
      return { text: c.challenge, bits: c.difficulty, expires: Date.parse(c.expires_at) };
    });
  }

  // prepare starts solving at once; get() answers a proof that is not about to
  // expire, fetching and solving a fresh challenge when needed. Each proof is given
  // out once, since the server accepts each challenge once.
  function prepare(url, first) {
    var pending = null;
    function start(c) {
      var p = (c ? Promise.resolve(c) : fetchChallenge(url)).then(function (c) {
        return solve(c.text, c.bits).then(function (proof) { return { proof: proof, expires: c.expires }; });
      });
      p.catch(function () {});
      return p;
    }
    pending = start(first);
    return {
      get: function () {
        var p = pending.then(function (s) {
          return s.expires - Date.now() > 30000 ? s : start(null);
        }, function () { return start(null); });
        pending = start(null);
        return p.then(function (s) { return s.proof; });
      }
    };
  }

  // attach enhances a form posted to Lodestone: it fills _pow before the post.
  function attach(form) {
    var url = form.getAttribute("data-pow-url");
    if (!url || form.lodestonePow) return;
    var first = null, ch = form.getAttribute("data-pow-challenge");
    if (ch) {
      first = { text: ch, bits: parseInt(form.getAttribute("data-pow-difficulty"), 10),
        expires: parseInt(form.getAttribute("data-pow-expires"), 10) * 1000 };
    }
    var input = form.querySelector("input[name=_pow]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "_pow";
      form.appendChild(input);
    }
    var solver = prepare(url, first);
    form.lodestonePow = solver;
    var sending = false;
    form.addEventListener("submit", function (e) {
      if (input.value || e.defaultPrevented) return;
      e.preventDefault();
      if (sending) return;
      sending = true;
      var button = form.querySelector("button[type=submit], button:not([type])");
      if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
      solver.get().then(function (proof) {
        input.value = proof;
        HTMLFormElement.prototype.submit.call(form);
      }, function () {
        sending = false;
        if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
        HTMLFormElement.prototype.submit.call(form);
      });
    });
  }

  window.LodestonePow = { solve: solve, prepare: prepare, attach: attach };
  function scan() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-pow-url]"), attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", scan);
  else scan();
})();
