import { Anchor, Stack, Title } from "@mantine/core";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { api, ok, upload, type Schemas } from "../../api/client";
import { useNotify } from "../../hooks";
import { CarForm, EMPTY_CAR, carCreateBody } from "./CarForm";
import { PhotoPicker } from "./PhotoPicker";

export function NewCarPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const notify = useNotify();
  const [photo, setPhoto] = useState<File | null>(null);

  const create = async (values: typeof EMPTY_CAR) => {
    const car = await ok(api.POST("/api/cars", { body: carCreateBody(values) }));
    notify.success(t("cars.created"));
    if (photo) {
      // The car exists now: a refused photo is reported on its page, where it can be retried.
      await upload<Schemas["Car"]>(`/api/cars/${car._id}/image`, "image", photo).then(
        () => notify.success(t("cars.photoSaved")),
        (e: unknown) => notify.failure(e),
      );
    }
    await queries.invalidateQueries({ queryKey: ["cars"] });
    navigate(`/cars/${car._id}`);
  };

  return (
    <Stack>
      <Anchor component={Link} to="/cars" size="sm">
        ← {t("common.back")}
      </Anchor>
      <Title order={2}>{t("cars.new")}</Title>
      <CarForm initial={EMPTY_CAR} withStatus submitLabel={t("common.create")} onSubmit={create}>
        <PhotoPicker file={photo} onChange={setPhoto} />
      </CarForm>
    </Stack>
  );
}
