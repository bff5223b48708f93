// Kinerja pages: small progressive enhancements; every form also posts without this script.
(function () {
  "use strict";
  function renumber(editor) {
    editor.querySelectorAll("[data-rows] > [data-row]").forEach(function (row, i) {
      row.querySelector("[data-num-row]").textContent = i + 1;
      row.querySelectorAll("[data-f]").forEach(function (el) {
        if (el.closest("[data-ind]")) return;
        el.name = "r" + i + "_" + el.dataset.f;
        el.id = "f_" + el.name;
        var lbl = el.closest(".fld") && el.closest(".fld").querySelector("label[for]");
        if (lbl) lbl.htmlFor = el.id;
      });
      row.querySelectorAll("[data-ind]").forEach(function (ind, j) {
        ind.querySelector("[data-num-ind]").textContent = j + 1;
        ind.querySelectorAll("[data-f]").forEach(function (el) {
          el.name = "r" + i + "_i" + j + "_" + el.dataset.f;
          el.id = "f_" + el.name;
          var lbl = el.closest(".fld").querySelector("label");
          if (lbl) lbl.htmlFor = el.id;
        });
      });
    });
  }
  function clone(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }
  function focusFirst(el) {
    var f = el.querySelector("textarea, input, select");
    if (f) f.focus();
  }
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-action]");
    if (!btn) return;
    var editor = btn.closest("[data-skp-editor]");
    if (!editor) return;
    var rows = editor.querySelector("[data-rows]");
    var row = btn.closest("[data-row]");
    var action = btn.dataset.action;
    if (action === "add-row") {
      var fresh = clone("tpl-row");  // comes with one empty indicator
      rows.appendChild(fresh);
      renumber(editor);
      focusFirst(fresh);
    } else if (action === "remove-row" && rows.children.length > 1) {
      row.remove();
      renumber(editor);
    } else if (action === "add-ind") {
      var ind = clone("tpl-ind");
      row.querySelector("[data-inds]").appendChild(ind);
      renumber(editor);
      focusFirst(ind);
    } else if (action === "remove-ind") {
      var inds = btn.closest("[data-inds]");
      if (inds.children.length > 1) { btn.closest("[data-ind]").remove(); renumber(editor); }
    } else if (action === "up" && row.previousElementSibling) {
      rows.insertBefore(row, row.previousElementSibling);
      renumber(editor);
      btn.focus();
    } else if (action === "down" && row.nextElementSibling) {
      rows.insertBefore(row.nextElementSibling, row);
      renumber(editor);
      btn.focus();
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var err = document.getElementById("form-error");
    if (err) err.focus();
  });
})();
