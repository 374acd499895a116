// Documents as the server sends them, for the component tests' stand-in server.
export const CAR = {
  _id: "65a1b2c3d4e5f6a7b8c9d0f1",
  make: "Dacia",
  model: "Logan",
  year: 2024,
  licensePlate: "12345-A-6",
  vin: "UU1LSDA0X66123456",
  status: "available",
  dailyRate: 250,
  addedAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};

export const CLIENT = {
  _id: "65a1b2c3d4e5f6a7b8c9d0c1",
  firstName: "Yasmine",
  lastName: "Alaoui",
  phone: "0612345678",
  registeredAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};

const line = (label: string, quantity: number, unitPrice: number) => ({
  kind: "rental",
  label,
  quantity,
  unitPrice,
  net: Math.round((quantity * unitPrice * 100) / 1.2) / 100,
  tax: Math.round(quantity * unitPrice * 100 - (quantity * unitPrice * 100) / 1.2) / 100,
  gross: quantity * unitPrice,
});

/** A confirmed three-day booking of {@link CAR} by {@link CLIENT}, with `overrides`. */
export function reservation(overrides: Record<string, unknown> = {}) {
  const rental = line("Location : 3 jours × 250.00", 3, 250);
  return {
    _id: "65a1b2c3d4e5f6a7b8c9d0aa",
    reservationNumber: "LC-2026-000042",
    carId: CAR._id,
    clientId: CLIENT._id,
    startDate: "2099-12-01T09:00:00Z",
    endDate: "2099-12-04T09:00:00Z",
    status: "confirmed",
    dailyRate: 250,
    estimatedTotalCost: 750,
    finalTotalCost: null,
    additionalCharges: [],
    reservationDate: "2026-11-20T10:00:00Z",
    lastModifiedAt: "2026-11-20T10:00:00Z",
    paymentDetails: { amountPaid: 0, remaining: 750, payments: [], depositApplied: 0, refundOwed: 0 },
    car: { _id: CAR._id, make: CAR.make, model: CAR.model, licensePlate: CAR.licensePlate },
    client: { _id: CLIENT._id, firstName: CLIENT.firstName, lastName: CLIENT.lastName, phone: CLIENT.phone },
    additionalDrivers: [],
    turnaroundMinutes: 0,
    extraKmRate: 0,
    reviewRequired: false,
    ratePlan: null,
    extras: [],
    priceBasis: "inclusive",
    vatRate: 20,
    priceLines: [rental],
    totals: { net: rental.net, tax: rental.tax, gross: rental.gross },
    deposit: { required: 0, held: 0, captured: 0, released: 0, outstanding: 0, movements: [] },
    ...overrides,
  };
}
