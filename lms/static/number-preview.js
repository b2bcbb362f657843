/* Live preview of the next certificate number on the issuing unit form, an enhancement: the
   "Pratinjau nomor berikutnya" button does the same without JavaScript. */
(function () {
  "use strict";
  var out = document.querySelector("[data-number-preview]");
  var pattern = document.getElementById("number_pattern");
  if (!out || !pattern) {
    return;
  }
  var code = document.getElementById("code");
  var klass = document.getElementById("classification");
  var preset = document.getElementById("number_preset");
  var shown = out.querySelector("strong");
  var patterns = JSON.parse(out.getAttribute("data-patterns") || "{}");
  var timer = null;

  function refresh() {
    var url = new URL(out.getAttribute("data-number-preview"), window.location.href);
    url.searchParams.set("pattern", pattern.value);
    url.searchParams.set("code", code ? code.value : "");
    url.searchParams.set("class", klass ? klass.value : "");
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { number: null }; })
      .then(function (data) { shown.textContent = data.number || "—"; })
      .catch(function () {});
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  [pattern, code, klass].forEach(function (field) {
    if (field) {
      field.addEventListener("input", later);
    }
  });
  if (preset) {
    preset.addEventListener("change", function () {
      if (patterns[preset.value]) {
        pattern.value = patterns[preset.value];
        preset.value = "";  // the pattern field now holds it, and may be edited further
      }
      refresh();
    });
  }
})();
