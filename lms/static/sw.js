/* Akademi KIM: pages from the network, else from the copies offline.js saved, else the offline
   page; course pictures from a saved copy first (metered data). */
"use strict";
var SHELL = "lms-shell-v1";
var SHELL_URLS = ["/offline", "/static/style.css", "/static/offline.js", "/static/icon-192.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return Promise.all(SHELL_URLS.map(function (url) {
      return fetch(url, {headers: {"X-LMS-Offline": "1"}}).then(function (response) {
        if (response.ok) { return cache.put(url, response); }
      });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

function saved(request) {
  return caches.match(request, {ignoreVary: true});
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin ||
      request.headers.get("X-LMS-Offline")) {
    return;  /* forms, other sites and saving go straight to the network */
  }
  if (/^\/kursus\/[^/]+\/media\//.test(url.pathname)) {
    event.respondWith(saved(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && url.pathname.indexOf("/static/") === 0) {
      var copy = response.clone();
      caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }, function () {
    return saved(request).then(function (hit) {
      if (hit) { return hit; }
      if (request.mode === "navigate") { return saved("/offline"); }
      return Response.error();
    });
  }));
});
