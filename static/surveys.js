/* Hides a conditional survey question until the answer it depends on is picked.
   Optional: without JavaScript every question shows with "only if you answered … above",
   and the server ignores answers to questions that do not apply. ES5 for old WebViews. */
(function () {
  var form = document.querySelector("form.survey");
  if (!form || !form.querySelectorAll) { return; }
  var blocks = form.querySelectorAll("[data-q]");

  function picked(key) {
    var values = [];
    var inputs = form.querySelectorAll("input[name='" + key + "']");
    for (var i = 0; i < inputs.length; i++) {
      if (inputs[i].checked) { values.push(inputs[i].value); }
    }
    return values;
  }

  // The visible questions are numbered 1, 2, 3 … without gaps where a hidden one would be.
  function update() {
    var hidden = {};
    var number = 0;
    for (var i = 0; i < blocks.length; i++) {
      var block = blocks[i];
      var source = block.getAttribute("data-if-key");
      var show = true;
      if (source) {
        show = !hidden[source] && picked(source).indexOf(block.getAttribute("data-if-value")) !== -1;
      }
      block.hidden = !show;
      hidden[block.getAttribute("data-q")] = !show;
      var label = block.querySelector(".q-number");
      if (show && label) {
        number += 1;
        label.textContent = number + ".";
      }
    }
  }

  form.addEventListener("change", update);
  update();
})();
