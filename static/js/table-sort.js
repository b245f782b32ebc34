/* Sortable tables: every table[data-sortable] whose header cells carry data-sort-type ("text" or
   "number") gets a button per header. Rows are grouped by <tbody class="agent-group"> (a row and its
   expandable details move together) and ordered by the data-sort value of the clicked column; rows
   without a value go last, ties keep the name order. Without this file the table reads in name order
   (the server's order, announced by aria-sort on the first column). */
(function () {
  "use strict";

  var collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

  function sortValue(group, index, type) {
    var cell = group.rows[0] && group.rows[0].cells[index];
    var raw = cell ? cell.getAttribute("data-sort") : null;
    if (raw === null || raw === "") { return null; }
    if (type === "number") {
      var number = parseFloat(raw);
      return isNaN(number) ? null : number;
    }
    return raw;
  }

  function compare(a, b, type) {
    return type === "number" ? a - b : collator.compare(a, b);
  }

  function sortGroups(table, index, type, direction) {
    var groups = Array.prototype.filter.call(table.tBodies, function (body) {
      return body.classList.contains("agent-group");
    });
    if (!groups.length) { return; }
    var anchor = groups[groups.length - 1].nextElementSibling;
    var sign = direction === "ascending" ? 1 : -1;
    var decorated = groups.map(function (group, position) {
      return { group: group, key: sortValue(group, index, type), name: sortValue(group, 0, "text"), position: position };
    });
    decorated.sort(function (a, b) {
      if (a.key === null && b.key !== null) { return 1; }
      if (b.key === null && a.key !== null) { return -1; }
      var order = a.key === null ? 0 : sign * compare(a.key, b.key, type);
      if (order === 0 && a.name !== null && b.name !== null) { order = collator.compare(a.name, b.name); }
      return order || a.position - b.position;
    });
    decorated.forEach(function (item) { table.insertBefore(item.group, anchor); });
  }

  function setUp(table) {
    var headers = Array.prototype.slice.call(table.querySelectorAll("thead th[data-sort-type]"));
    var status = table.querySelector("caption .sort-status");
    headers.forEach(function (header) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (header.firstChild) { button.appendChild(header.firstChild); }
      var indicator = document.createElement("span");
      indicator.className = "sort-indicator";
      indicator.setAttribute("aria-hidden", "true");
      button.appendChild(indicator);
      header.appendChild(button);

      button.addEventListener("click", function () {
        var current = header.getAttribute("aria-sort");
        var direction;
        if (current === "ascending") { direction = "descending"; }
        else if (current === "descending") { direction = "ascending"; }
        else { direction = header.getAttribute("data-sort-first") || "ascending"; }
        sortGroups(table, header.cellIndex, header.getAttribute("data-sort-type"), direction);
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        header.setAttribute("aria-sort", direction);
        if (status) {
          status.textContent = ", sorted by " + button.textContent.trim() + ", " + direction;
        }
      });
    });
    table.classList.add("sort-ready");
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table[data-sortable]"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
