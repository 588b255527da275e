// Writes uebergang_exceljs.xlsx, an application list for Schuljahrgang 5 as
// another program than the gateway's excelize writes it (exceljs 4.4.0,
// the library behind many web exports), for TestUebergangImportExceljs.
// The children are the first rows of the shared sample register
// (../../sheets/testdata/melderegister.xlsx, also written by exceljs).
// The list is careless in the ways office lists are: a title and an empty
// row above the header, no Ordnungsmerkmal and no school-year column,
// school numbers as number cells, birth dates as date cells, Härtefall as
// booleans and "x", an empty row between children, a trailing blank in a
// name and one child the register does not know.
//
// Run: npm install exceljs@4.4.0 && node gen_uebergang_exceljs.js
const ExcelJS = require('exceljs');

(async () => {
  const reg = new ExcelJS.Workbook();
  await reg.xlsx.readFile(__dirname + '/../../sheets/testdata/melderegister.xlsx');
  const src = reg.worksheets[0];
  const kind = (row) => {
    const v = src.getRow(row).values; // [, OM, Familienname, Vornamen, Rufname, Geburtsdatum, …]
    return { familienname: v[2], vornamen: v[3], geburt: v[5] };
  };
  const [a, b, c, d] = [kind(4), kind(9), kind(16), kind(24)];

  const wb = new ExcelJS.Workbook();
  wb.creator = 'Schulverwaltungsprogramm';
  const ws = wb.addWorksheet('Anmeldungen Klasse 5');
  ws.mergeCells('A1:I1');
  ws.getCell('A1').value = 'Anmeldungen Schuljahrgang 5 – Grundschulen Musterstadt';
  ws.addRow([]);
  ws.addRow(['Familienname', 'Vornamen', 'Geburtsdatum', 'derzeitige Grundschule', 'Erstwunsch', 'Zweitwunsch', 'Drittwunsch', 'Härtefall', 'Geschwisterkind']);
  ws.addRow([a.familienname, a.vornamen, a.geburt, 20101, 20301, 20201, null, true, 20301]);
  ws.addRow([b.familienname + ' ', b.vornamen, b.geburt, 20102, 20201, null, null, false, null]);
  ws.addRow([]);
  ws.addRow([c.familienname, c.vornamen, c.geburt, 20101, 20202, 20301, 20201, 'x', null]);
  ws.addRow(['Nirgendwo', 'Nina', new Date(Date.UTC(2016, 0, 1)), 20101, 20301, null, null, null, null]);
  ws.addRow([d.familienname, d.vornamen, d.geburt, 20102, 20301, null, null, null, null]);
  ws.getColumn(3).numFmt = 'dd.mm.yyyy';
  await wb.xlsx.writeFile(__dirname + '/uebergang_exceljs.xlsx');
})();
