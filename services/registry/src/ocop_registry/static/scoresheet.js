"use strict";
// The score sheet's running total (the server adds up and checks again; this is only a help while typing).
document.querySelectorAll("form[data-scoresheet]").forEach(function (form) {
  var out = form.querySelector("#sheet-total");
  function update() {
    var total = 0;
    form.querySelectorAll("input[data-part]").forEach(function (input) {
      var v = parseFloat((input.value || "").replace(",", "."));
      if (!isNaN(v)) { total += v; }
    });
    out.textContent = "Tổng: " + (Math.round(total * 100) / 100).toLocaleString("vi-VN");
  }
  form.addEventListener("input", update);
  update();
});
