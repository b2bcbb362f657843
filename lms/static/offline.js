/* Offline reading, an enhancement: registers the service worker, saves a course's user-neutral
   pages (X-LMS-Offline), keeps "Tandai selesai" taps made offline and sends them when back
   online (the server ignores repeats), clears saved copies at sign-out. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !window.caches || !window.fetch) { return; }
  var QUEUE = "lms-offline-queue", OWNER = "lms-offline-owner", PREFIX = "lms-course-";
  var body = document.body, copy = body.hasAttribute("data-offline-copy");
  var user = body.getAttribute("data-user");
  var $ = (s, root) => (root || document).querySelector(s);
  var show = function (el, on) { if (el) { el.hidden = !on; } };
  var fill = function (text, values) {
    return text.replace(/\{(\w+)\}/g, (m, k) => values[k]);
  };
  navigator.serviceWorker.register("/sw.js", {scope: "/"}).catch(() => 0);

  function queue() {
    try { return JSON.parse(localStorage.getItem(QUEUE)) || []; } catch (e) { return []; }
  }
  function setQueue(items) {
    if (items.length) { localStorage.setItem(QUEUE, JSON.stringify(items)); }
    else { localStorage.removeItem(QUEUE); }
  }
  function owner() { return localStorage.getItem(OWNER); }
  function mine() {
    var who = user || owner();
    return queue().filter((i) => i.owner === who);
  }
  async function courseCaches() {
    return (await caches.keys()).filter((k) => k.indexOf(PREFIX) === 0);
  }
  async function clearCopies() {
    await Promise.all((await courseCaches()).map((k) => caches.delete(k)));
  }

  /* Someone else signed in here: the previous person's copies go. */
  if (user && owner() !== user) {
    if (owner()) { clearCopies(); }
    localStorage.setItem(OWNER, user);
  }

  function showState() {
    var offline = !navigator.onLine || copy;
    show($("#offline-banner"), offline);
    document.querySelectorAll(".online-only").forEach(function (el) { show(el, offline); });
    var waiting = $("#offline-waiting"), items = mine();
    if (waiting) {
      waiting.textContent = fill(waiting.getAttribute("data-text"), {
        lessons: items.map((i) => i.title).join(", ")
      });
      show(waiting, items.length > 0);
    }
  }

  async function sync() {
    var token = $("input[name=csrf_token]"), items = mine();
    if (!user || !token || !items.length || !navigator.onLine) { return; }
    var response = await fetch("/offline/selesai", {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token.value},
      body: JSON.stringify({completions: items.map(function (i) {
        return {lesson: i.lesson, at: i.at};
      })})
    });
    if (!response.ok || response.redirected) { return; }
    var result = await response.json();
    var gone = [].concat(result.recorded, result.already, result.refused);
    setQueue(queue().filter(function (i) {
      return i.owner !== user || gone.indexOf(i.lesson) < 0;
    }));
    var sent = $("#offline-sent");
    if (sent && result.recorded.length) {
      sent.textContent = fill(sent.getAttribute("data-text"), {num: result.recorded.length});
      show(sent, true);
    }
    showState();
  }

  /* "Tandai selesai" offline (or on a saved copy: it has no form token). */
  document.querySelectorAll("form[data-offline-lesson]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine && !copy) { return; }
      event.preventDefault();
      var lesson = Number(form.getAttribute("data-offline-lesson"));
      var items = queue().filter((i) => i.lesson !== lesson);
      items.push({lesson: lesson, title: $("h1").textContent,
                  at: new Date().toISOString(), owner: user || owner()});
      setQueue(items);
      var next = $("a[rel=next]") || $(".crumbs a");
      if (next) { location.href = next.href; } else { showState(); }
    });
  });

  /* Signing out: send what waits, remove the copies (as Clear-Site-Data does). */
  var out = $("form[data-signout]");
  if (out) {
    out.addEventListener("submit", function (event) {
      if (!navigator.onLine) { return; }  /* it fails: keep all */
      event.preventDefault();
      var wait = new Promise((done) => setTimeout(done, 5000));
      Promise.race([sync(), wait]).catch(() => 0).then(clearCopies).then(function () {
        localStorage.removeItem(OWNER);
        setQueue(queue().filter((i) => i.owner !== user));
      }).finally(function () { out.submit(); });
    });
  }

  /* The course page: save, update, remove. */
  var panel = $("#offline-save");
  async function meta(slug) {
    var hit = await caches.match("/offline-meta/" + slug, {cacheName: PREFIX + slug});
    return hit ? hit.json() : null;
  }
  async function save() {
    var status = $("[data-role=status]", panel), bar = $("progress", panel), attr = function (n) {
      return panel.getAttribute("data-" + n);
    };
    try {
      var data = await (await fetch(attr("json"))).json();
      var cache = await caches.open(PREFIX + data.slug), done = 0, urls = data.urls.slice();
      show(bar, true);
      bar.max = urls.length;
      var worker = async function () {
        while (urls.length) {
          var url = urls.shift();
          var r = await fetch(url, {headers: {"X-LMS-Offline": "1"}});
          if (!r.ok || r.redirected) { throw new Error(url); }
          await cache.put(url, r);
          bar.value = ++done;
          status.textContent = fill(attr("saving"), {done: done, total: data.urls.length});
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      var keep = data.urls.map((u) => new URL(u, location.href).href);
      (await cache.keys()).forEach(function (req) {
        if (keep.indexOf(req.url) < 0) { cache.delete(req); }
      });
      await cache.put("/offline-meta/" + data.slug, new Response(JSON.stringify({
        title: data.title, version: data.version, url: data.urls[0]
      })));
      if (user) { localStorage.setItem(OWNER, user); }
    } catch (e) {
      status.textContent = attr("failed");
    }
    show(bar, false);
    await panelState();
  }
  async function panelState() {
    var saved = await meta(panel.getAttribute("data-slug"));
    var fresh = saved && saved.version === panel.getAttribute("data-version");
    show($("[data-role=unsaved]", panel), !saved);
    show($("[data-role=saved]", panel), fresh);
    show($("[data-role=stale]", panel), saved && !fresh);
    show($("[data-action=remove]", panel), !!saved);
    if (saved) { $("[data-role=status]", panel).textContent = ""; }
  }
  if (panel) {
    show(panel, true);
    panel.addEventListener("click", async function (event) {
      var button = event.target, action = button.getAttribute("data-action");
      button.disabled = true;
      if (action === "save") { await save(); }
      if (action === "remove") {
        await caches.delete(PREFIX + panel.getAttribute("data-slug"));
        await panelState();
      }
      button.disabled = false;
    });
    panelState();
  }

  /* The offline page: what is saved here. */
  var list = $("#offline-saved");
  if (list) {
    courseCaches().then(async function (keys) {
      for (var k of keys) {
        var m = await meta(k.slice(PREFIX.length));
        if (!m) { continue; }
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = m.url;
        a.textContent = m.title;
        li.appendChild(a);
        list.appendChild(li);
      }
      show($("#offline-none"), !list.children.length);
    });
  }

  /* A saved copy gives way to the live page once the site answers. */
  function back() {
    fetch("/manifest.webmanifest", {method: "HEAD", cache: "no-store"}).then(function (r) {
      if (r.ok) { location.reload(); }
    }, function () { setTimeout(back, 10000); });
  }
  if (copy && navigator.onLine) { setTimeout(back, 3000); }
  window.addEventListener("online", function () {
    if (copy) { back(); } else { showState(); sync().catch(() => 0); }
  });
  window.addEventListener("offline", showState);
  showState();
  sync().catch(() => 0);
})();
