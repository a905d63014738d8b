"""Short clinical-note pieces (written for the tests) from which random notes are built."""

PIECES = [
    "CHIEF COMPLAINT: Chest pain.", "HISTORY: The patient is a 67-year-old man with CHF.",
    "He denies fever, chills or shortness of breath.", "Started aspirin 81 mg daily.",
    "MEDICATIONS: Lasix, Coumadin and metoprolol.", "CT of the abdomen showed a 2 cm mass.",
    "Blood pressure 150/90, pulse 110.", "PLAN: Continue IV antibiotics and check a CBC.",
    "Mother had breast cancer.", "No murmurs, rubs or gallops.", "Hemoglobin was 9.8.",
    "He was intubated for respiratory failure and transfused two units of blood.",
]
