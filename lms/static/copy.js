/* Copy buttons, an enhancement: <button data-copy="ID" hidden> copies the value of the field
   with that id. Without JavaScript the buttons stay hidden and the readonly field can still be
   selected and copied by hand. */
(function () {
  "use strict";
  var status = document.getElementById("copy-status");

  function copyText(field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(field.value);
    }
    return new Promise(function (resolve, reject) {
      field.select();
      (document.execCommand && document.execCommand("copy") ? resolve : reject)();
    });
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var label = button.querySelector(".copy-label");
    if (!field || !label) {
      return;
    }
    var original = label.textContent;
    var timer = null;
    button.hidden = false;
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      copyText(field).then(function () {
        label.textContent = button.getAttribute("data-done");
        if (status) {
          status.textContent = button.getAttribute("data-status");
        }
        clearTimeout(timer);
        timer = setTimeout(function () {
          label.textContent = original;
        }, 4000);
      }, function () {
        /* Copying was refused: the link stays selected, ready to copy by hand. */
      });
    });
  });

  document.querySelectorAll("input.link-input").forEach(function (field) {
    field.addEventListener("focus", function () {
      field.select();
    });
  });
})();
