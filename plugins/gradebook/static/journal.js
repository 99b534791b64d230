// Progressive enhancement for the journal grid: arrow keys and Enter move between cells.
// The grid works without it (plain inputs, Tab order row by row). Positions come from the table itself.
(function () {
  var table = document.querySelector("[data-journal]");
  if (!table) { return; }
  var body = table.tBodies[0];
  function cell(row, col) {
    var tr = body.rows[row];
    var td = tr && tr.cells[col];
    return td ? td.querySelector("input") : null;
  }
  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (input.tagName !== "INPUT" || !body.contains(input)) { return; }
    var row = input.closest("tr").sectionRowIndex;
    var col = input.closest("td").cellIndex;
    var moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], Enter: [1, 0] };
    if (input.selectionStart === 0) { moves.ArrowLeft = [0, -1]; }
    if (input.selectionEnd === input.value.length) { moves.ArrowRight = [0, 1]; }
    var move = moves[event.key];
    if (!move) { return; }
    var next = cell(row + move[0], col + move[1]);
    if (next) {
      event.preventDefault();
      next.focus();
      next.select();
    } else if (event.key === "Enter") {
      event.preventDefault();
    }
  });
})();

// A date in the header opens its lesson's popover (topic, homework) — natively, through popovertarget; the
// script only places it under the date instead of the middle of the screen.
(function () {
  // without popovers (an old browser) each lesson's box simply shows under the grid
  if (!Object.prototype.hasOwnProperty.call(HTMLElement.prototype, "popover")) { return; }
  var opener = null;
  document.querySelectorAll(".lesson-date[popovertarget]").forEach(function (button) {
    button.addEventListener("click", function () { opener = button; });
  });
  document.querySelectorAll(".lesson-pop").forEach(function (pop) {
    pop.addEventListener("toggle", function (event) {
      if (event.newState !== "open" || !opener) { return; }
      var box = opener.getBoundingClientRect();
      pop.style.margin = "0";
      pop.style.inset = "auto";
      var width = pop.offsetWidth, height = pop.offsetHeight;
      var top = box.bottom + 4;
      if (top + height > window.innerHeight - 8) { top = Math.max(8, box.top - height - 4); }
      pop.style.left = Math.max(8, Math.min(box.left, window.innerWidth - width - 8)) + "px";
      pop.style.top = top + "px";
    });
  });
  // placed once, a popover would stay put while its date scrolls away: scrolling closes it instead
  function closeOpen() {
    document.querySelectorAll(".lesson-pop").forEach(function (pop) {
      if (pop.matches(":popover-open")) { pop.hidePopover(); }
    });
  }
  var scroller = document.querySelector("[data-journal-scroll]");
  if (scroller) { scroller.addEventListener("scroll", closeOpen, { passive: true }); }
  window.addEventListener("scroll", closeOpen, { passive: true });
})();
