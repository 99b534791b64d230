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
