// Progressive enhancement for the journal grid: arrow keys and Enter move between cells.
// The grid works without it (plain inputs, Tab order row by row).
(function () {
  var table = document.querySelector("[data-journal]");
  if (!table) { return; }
  function cell(row, col) {
    return table.querySelector('input[data-row="' + row + '"][data-col="' + col + '"]');
  }
  table.addEventListener("keydown", function (event) {
    var input = event.target;
    if (input.tagName !== "INPUT" || input.dataset.row === undefined) { return; }
    var row = parseInt(input.dataset.row, 10);
    var col = parseInt(input.dataset.col, 10);
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
