// One recorded inspection (hand-over or return), with its photos; a photo can be taken
// with the device's camera and added.
import { Anchor, Card, FileButton, Button, Group, Image, List, Text, Title } from "@mantine/core";
import { IconCamera } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { upload, type Schemas } from "../../api/client";
import { useFormat, useNotify } from "../../hooks";
import { useReservationChanged } from "./cache";
import { Facts } from "../../components/Facts";

type Reservation = Schemas["Reservation"];
type Kind = Schemas["InspectionKind"];

export function InspectionCard({ reservation: r, kind }: { reservation: Reservation; kind: Kind }) {
  const { t } = useTranslation();
  const format = useFormat();
  const notify = useNotify();
  const changed = useReservationChanged();
  const inspection = kind === "checkout" ? r.checkoutInspection : r.checkinInspection;
  const addPhoto = useMutation({
    mutationFn: (file: File) =>
      upload<Reservation>(`/api/reservations/${r._id}/inspections/${kind}/photos`, "image", file),
    onSuccess: async (fresh) => {
      await changed(fresh);
      notify.success(t("inspection.photoAdded"));
    },
    onError: (e) => notify.failure(e),
  });
  if (!inspection) return null;
  return (
    <Card withBorder>
      <Title order={3} size="h5">
        {t(`inspection.${kind}`)}
      </Title>
      <Facts
        rows={[
          [t("inspection.odometer"), `${inspection.odometerKm.toLocaleString()} km`],
          [t("inspection.fuel"), t("inspection.eighths", { count: inspection.fuelEighths })],
          [t("inspection.signedBy"), inspection.signedBy],
          [t("inspection.recordedAt"), format.dateTime(inspection.recordedAt)],
        ]}
      />
      {inspection.damage.length === 0 ? (
        <Text size="sm">{t("inspection.noDamage")}</Text>
      ) : (
        <List size="sm">
          {inspection.damage.map((d, n) => (
            <List.Item key={n}>
              {t(`inspection.zones.${d.zone}`)} : {d.description}
            </List.Item>
          ))}
        </List>
      )}
      <Group mt="xs" gap="xs">
        {inspection.photos.map((p) => (
          <Anchor key={p._id} href={p.url} target="_blank">
            <Image
              src={p.thumbnailUrl}
              alt={t("inspection.photoOf", { date: format.dateTime(p.uploadedAt) })}
              h={64}
              w="auto"
            />
          </Anchor>
        ))}
      </Group>
      <FileButton
        onChange={(file) => file && addPhoto.mutate(file)}
        accept="image/jpeg,image/png,image/webp"
        capture="environment"
      >
        {(props) => (
          <Button
            {...props}
            mt="xs"
            variant="default"
            size="xs"
            className="no-print"
            loading={addPhoto.isPending}
            leftSection={<IconCamera size={14} aria-hidden />}
          >
            {t("inspection.addPhoto")}
          </Button>
        )}
      </FileButton>
    </Card>
  );
}
