// The one place that knows the shape of the planning API. The forecast
// endpoints are being reshaped (format=json|csv|xlsx, POST for scenarios):
// adapt only this module when they change.

const HINWEISE = {
  unter_mindestgroesse: 'unter Mindestgröße',
  unter_ausnahme: 'unter der Ausnahmegrenze',
  eingangsklasse_unter_mindest: 'Eingangsklasse unter Mindestgröße',
  ueber_kapazitaet: 'über Kapazität',
  jahrgang_ueber_zugkapazitaet: 'ein Jahrgang über Zugkapazität',
  kohorte_fortgeschrieben: 'Jahrgang fortgeschrieben',
  quote_fehlt: 'Quote fehlt',
};

export function hinweis(flag) {
  return HINWEISE[flag] || flag;
}

function query(p) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== '' && v != null) q.set(k, v);
  return q;
}

// laden returns {ab, bis, schulen: [{schulnummer, name, schulart,
// kapazitaet, jahre: [{schuljahr, anzahl, eingangsklasse, hinweise}]}]}.
export async function laden(api, p) {
  const r = await api('/v1/planung/prognose?' + query(p));
  return {
    ab: r.ab,
    bis: r.bis,
    schulen: r.schulen.map((s) => ({
      schulnummer: s.schulnummer,
      name: s.name,
      schulart: s.schulart,
      kapazitaet: s.kapazitaet || null,
      jahre: s.jahre.map((j) => ({
        schuljahr: j.schuljahr,
        anzahl: j.anzahl, // null: suppressed (fewer children than the threshold)
        eingangsklasse: j.eingangsklasse,
        hinweise: (j.flags || []).map(hinweis),
      })),
    })),
  };
}

// downloads lists the files a planner can fetch for the same settings.
export function downloads(p) {
  const q = (format) => { const x = query(p); x.set('format', format); return x; };
  return [
    { label: 'Prognose als Excel (Tabelle und ein Diagramm je Schulart)', path: '/v1/planung/prognose?' + q('xlsx'), name: 'Prognose.xlsx' },
    { label: 'Prognose als CSV (für Excel, Semikolon)', path: '/v1/planung/prognose?' + q('csv'), name: 'Prognose.csv' },
  ];
}
