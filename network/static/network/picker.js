/* Narrowing pickers on the partnership and invitation forms (static: no inline script, for the CSP). */
(function () {
  "use strict";
/* Narrows each picker's options to those whose name or search key holds every typed word;
   the ones already chosen stay in sight. */
document.querySelectorAll("[data-picker]").forEach(function (picker) {
  var box = picker.querySelector("[data-picker-filter]");
  var options = picker.querySelectorAll("[data-key]");
  box.hidden = false;
  box.addEventListener("input", function () {
    var words = box.value.toLowerCase().replace(/['`]/g, "").split(/\s+/).filter(Boolean);
    options.forEach(function (option) {
      var key = option.getAttribute("data-key");
      var chosen = option.querySelector("input").checked;
      var shown = chosen || words.every(function (word) { return key.indexOf(word) !== -1; });
      option.hidden = !shown;
    });
  });
});
})();
