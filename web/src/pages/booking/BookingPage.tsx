// Booking in one flow: the period and a car free for it, the client (found by phone or
// created on the spot), then the price and the confirmation. A clash found by the server
// at the last step (someone else took the car meanwhile) sends the agent back to the cars
// still free, with the reason.
import { Alert, Stack, Stepper, Text, Title } from "@mantine/core";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import type { Schemas } from "../../api/client";
import { toLocalInput } from "../reservations/lifecycle";
import { CarStep } from "./CarStep";
import { ClientStep } from "./ClientStep";
import { ConfirmStep } from "./ConfirmStep";

export interface Period {
  start: string;
  end: string;
}

/** The period a booking starts with: a day picked on the calendar (9:00), else the next full hour; one day long. */
export function initialPeriod(day: string | null, now: Date = new Date()): Period {
  const start = new Date(now);
  const picked = day ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(day) : null;
  if (picked) {
    start.setFullYear(Number(picked[1]), Number(picked[2]) - 1, Number(picked[3]));
    start.setHours(9, 0, 0, 0);
  } else {
    start.setHours(start.getHours() + 1, 0, 0, 0);
  }
  const end = new Date(start);
  end.setDate(end.getDate() + 1);
  return { start: toLocalInput(start), end: toLocalInput(end) };
}

export function BookingPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const [period, setPeriod] = useState<Period>(() => initialPeriod(params.get("start")));
  const [car, setCar] = useState<Schemas["Car"] | null>(null);
  const [preferredCar] = useState(params.get("carId"));
  const [client, setClient] = useState<Schemas["Client"] | null>(null);
  const [clash, setClash] = useState<string | null>(null);
  const [step, setStep] = useState(0);

  const onClash = (message: string) => {
    setClash(message);
    setCar(null);
    setStep(0);
  };

  return (
    <Stack>
      <Title order={2}>{t("booking.title")}</Title>
      {clash && (
        <Alert
          color="red"
          role="alert"
          withCloseButton
          onClose={() => setClash(null)}
          closeButtonLabel={t("common.close")}
        >
          <Text fw={700}>{t("booking.clashTitle")}</Text>
          {clash}
        </Alert>
      )}
      <Stepper active={step} onStepClick={(n) => n < step && setStep(n)} allowNextStepsSelect={false}>
        <Stepper.Step label={t("booking.steps.car")} description={car ? `${car.make} ${car.model}` : undefined}>
          <CarStep
            period={period}
            onPeriod={(p) => {
              setPeriod(p);
              setCar(null);
            }}
            preferredCarId={preferredCar}
            onPick={(picked) => {
              setCar(picked);
              setClash(null);
              setStep(client ? 2 : 1);
            }}
          />
        </Stepper.Step>
        <Stepper.Step
          label={t("booking.steps.client")}
          description={client ? `${client.firstName} ${client.lastName}` : undefined}
        >
          <ClientStep
            onPick={(picked) => {
              setClient(picked);
              setStep(2);
            }}
          />
        </Stepper.Step>
        <Stepper.Step label={t("booking.steps.confirm")}>
          {car && client && (
            <ConfirmStep
              period={period}
              car={car}
              client={client}
              onClash={onClash}
              onChangeClient={() => setStep(1)}
            />
          )}
        </Stepper.Step>
      </Stepper>
    </Stack>
  );
}
