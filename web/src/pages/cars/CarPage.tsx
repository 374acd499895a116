import { Anchor, Button, Card, Group, Image, Select, SimpleGrid, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import { api, ok, upload, type Schemas } from "../../api/client";
import { errorMessage } from "../../api/problems";
import { useAuth } from "../../auth/AuthProvider";
import { can } from "../../auth/permissions";
import { confirmThen } from "../../components/confirm";
import { QueryState } from "../../components/QueryState";
import { changedFields } from "../../components/serverErrors";
import { StatusBadge } from "../../components/StatusBadge";
import { useFormat, useNotify } from "../../hooks";
import { BlocksCard } from "./BlocksCard";
import { RatesCard } from "./RatesCard";
import { CarForm, numberOrNull, type CarValues } from "./CarForm";
import { carName } from "./CarsPage";
import { PhotoPicker } from "./PhotoPicker";

type Car = Schemas["Car"];

function toValues(car: Car): CarValues {
  return {
    make: car.make,
    model: car.model,
    year: car.year,
    licensePlate: car.licensePlate,
    vin: car.vin,
    color: car.color ?? "",
    dailyRate: car.dailyRate,
    status: car.status,
    description: car.description ?? "",
  };
}

export function CarPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const query = useQuery({
    queryKey: ["cars", "one", id],
    queryFn: () => ok(api.GET("/api/cars/{id}", { params: { path: { id } } })),
  });
  return (
    <Stack>
      <Anchor component={Link} to="/cars" size="sm">
        ← {t("common.back")}
      </Anchor>
      <QueryState query={query}>{(car) => <CarDetails car={car} />}</QueryState>
    </Stack>
  );
}

function CarDetails({ car }: { car: Car }) {
  const { t } = useTranslation();
  const { user } = useAuth();
  const queries = useQueryClient();
  const notify = useNotify();
  const navigate = useNavigate();
  const admin = can(user?.role, "car.write");
  const refresh = (fresh: Car) => {
    queries.setQueryData(["cars", "one", car._id], fresh);
    return queries.invalidateQueries({ queryKey: ["cars", "list"] });
  };

  const save = async (values: CarValues) => {
    const before = toValues(car);
    const changes = changedFields<Record<string, unknown>>(
      { ...before },
      { ...values, year: numberOrNull(values.year), dailyRate: numberOrNull(values.dailyRate) },
    );
    for (const key of ["color", "description"]) {
      if (changes[key] === "") changes[key] = null;
    }
    delete changes.status;
    if (Object.keys(changes).length === 0) return;
    const fresh = await ok(api.PUT("/api/cars/{id}", { params: { path: { id: car._id } }, body: changes }));
    await refresh(fresh);
    notify.success(t("common.saved"));
  };

  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/cars/{id}", { params: { path: { id: car._id } } })),
    onSuccess: async () => {
      notify.success(t("cars.deleted"));
      await queries.invalidateQueries({ queryKey: ["cars"] });
      navigate("/cars");
    },
    onError: (e) => notify.failure(e),
  });

  return (
    <Stack>
      <Group justify="space-between">
        <Group>
          <Title order={2}>{carName(car)}</Title>
          <StatusBadge kind="car" status={car.status} />
          <Anchor component={Link} to={`/reservations?carId=${car._id}`} size="sm">
            {t("reservations.ofCar")}
          </Anchor>
        </Group>
        {admin && (
          <Button
            color="red"
            variant="outline"
            loading={remove.isPending}
            onClick={() =>
              confirmThen(t, t("cars.confirmDelete", { name: carName(car) }), t("common.delete"), () => remove.mutate())
            }
          >
            {t("common.delete")}
          </Button>
        )}
      </Group>
      {admin ? (
        <>
          <CarForm
            key={car.updatedAt}
            initial={toValues(car)}
            withStatus={false}
            submitLabel={t("common.save")}
            onSubmit={save}
          />
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <PhotoCard car={car} onChange={refresh} />
            <StatusCard car={car} onChange={refresh} />
          </SimpleGrid>
        </>
      ) : (
        <ReadOnlyCar car={car} />
      )}
      <RatesCard carId={car._id} editable={admin} />
      <BlocksCard carId={car._id} />
    </Stack>
  );
}

function ReadOnlyCar({ car }: { car: Car }) {
  const { t } = useTranslation();
  const format = useFormat();
  const rows: [string, string | number][] = [
    [t("cars.make"), car.make],
    [t("cars.model"), car.model],
    [t("cars.year"), car.year],
    [t("cars.licensePlate"), car.licensePlate],
    [t("cars.vin"), car.vin],
    [t("cars.color"), car.color ?? "—"],
    [t("cars.dailyRate"), format.money(car.dailyRate)],
    [t("cars.description"), car.description ?? "—"],
    [t("cars.addedAt"), format.date(car.addedAt)],
  ];
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }}>
      <dl>
        {rows.map(([label, value]) => (
          <Group key={label} gap="xs">
            <Text component="dt" fw={600} size="sm">
              {label} :
            </Text>
            <Text component="dd" size="sm" m={0}>
              {value}
            </Text>
          </Group>
        ))}
      </dl>
      {car.imageUrl && <Image src={car.imageUrl} alt={t("cars.photoOf", { name: carName(car) })} maw={400} />}
    </SimpleGrid>
  );
}

function PhotoCard({ car, onChange }: { car: Car; onChange: (car: Car) => Promise<void> }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const send = useMutation({
    mutationFn: (photo: File) => upload<Car>(`/api/cars/${car._id}/image`, "image", photo),
    onSuccess: async (fresh) => {
      setFile(null);
      setError(null);
      await onChange(fresh);
      notify.success(t("cars.photoSaved"));
    },
    onError: (e) => setError(errorMessage(t, e)),
  });
  const remove = useMutation({
    mutationFn: () => ok(api.DELETE("/api/cars/{id}/image", { params: { path: { id: car._id } } })),
    onSuccess: async () => {
      await onChange({ ...car, imageUrl: null });
      notify.success(t("cars.photoRemoved"));
    },
    onError: (e) => notify.failure(e),
  });
  return (
    <Card withBorder>
      <Stack>
        <Title order={3} size="h4">
          {t("cars.photoSection")}
        </Title>
        {car.imageUrl ? (
          <Image
            src={`${car.imageUrl}?v=${encodeURIComponent(car.updatedAt)}`}
            alt={t("cars.photoOf", { name: carName(car) })}
            maw={320}
            radius="sm"
          />
        ) : (
          <Text c="dimmed">{t("cars.noPhoto")}</Text>
        )}
        <PhotoPicker file={file} onChange={setFile} error={error} />
        <Group>
          <Button disabled={!file} loading={send.isPending} onClick={() => file && send.mutate(file)}>
            {t("cars.uploadPhoto")}
          </Button>
          {car.imageUrl && (
            <Button variant="outline" color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              {t("cars.removePhoto")}
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

function StatusCard({ car, onChange }: { car: Car; onChange: (car: Car) => Promise<void> }) {
  const { t } = useTranslation();
  const notify = useNotify();
  const [status, setStatus] = useState<string>(car.status);
  const change = useMutation({
    mutationFn: (next: string) =>
      ok(
        api.PUT("/api/cars/{id}", {
          params: { path: { id: car._id } },
          body: { status: next as "available" | "maintenance" | "out_of_service" },
        }),
      ),
    onSuccess: async (fresh) => {
      await onChange(fresh);
      notify.success(t("cars.statusChanged", { status: t(`status.car.${fresh.status}`) }));
    },
    onError: (e) => notify.failure(e),
  });
  const rented = car.status === "rented";
  return (
    <Card withBorder>
      <Stack>
        <Title order={3} size="h4">
          {t("cars.statusSection")}
        </Title>
        <Select
          label={t("cars.status")}
          allowDeselect={false}
          disabled={rented}
          value={status}
          onChange={(v) => v && setStatus(v)}
          data={["available", "maintenance", "out_of_service", ...(rented ? ["rented"] : [])].map((s) => ({
            value: s,
            label: t(`status.car.${s}`),
          }))}
        />
        <Text size="sm" c="dimmed">
          {t("cars.rentedNote")}
        </Text>
        <Group>
          <Button
            disabled={rented || status === car.status}
            loading={change.isPending}
            onClick={() => change.mutate(status)}
          >
            {t("cars.changeStatus")}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
