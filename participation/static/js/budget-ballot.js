// Live running total on the budget ballot. The server computes the same totals
// when the form is sent with "Check the totals", and refuses invalid ballots,
// so the page works the same without this script.
(function () {
  "use strict";
  var form = document.getElementById("ballot");
  if (!form) { return; }
  var type = form.getAttribute("data-type");
  var budget = parseInt(form.getAttribute("data-budget"), 10) || 0;
  var maxChoices = parseInt(form.getAttribute("data-max-choices"), 10) || 0;
  var maxPoints = parseInt(form.getAttribute("data-max-points"), 10) || 0;
  var formatter = new Intl.NumberFormat(document.documentElement.lang || "th");
  function show(name, text, over) {
    var el = form.querySelector('[data-total="' + name + '"]');
    if (!el) { return; }
    el.textContent = text;
    el.classList.toggle("over-limit", !!over);
  }
  function update() {
    var count = 0, cost = 0, points = 0;
    form.querySelectorAll("input[data-cost]").forEach(function (input) {
      var value = input.type === "checkbox" ? (input.checked ? 1 : 0) : (parseInt(input.value, 10) || 0);
      if (value > 0) {
        count += 1;
        points += value;
        cost += parseInt(input.getAttribute("data-cost"), 10) || 0;
      }
    });
    show("count", formatter.format(count), type === "approval" && maxChoices && count > maxChoices);
    show("cost", (form.getAttribute("data-currency") || "฿") + formatter.format(cost), type === "knapsack" && cost > budget);
    show("points", formatter.format(points), type === "cumulative" && points > maxPoints);
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
})();
