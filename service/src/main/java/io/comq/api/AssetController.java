package io.comq.api;

import io.comq.asset.Asset;
import io.comq.asset.AssetKind;
import io.comq.asset.AssetService;
import io.comq.auth.Tenant;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/**
 * Uploads of models and calibration sets. The file is the raw request body ({@code application/octet-stream}),
 * streamed to storage, never held whole in memory; {@code ?name=} gives it a display name. A new upload answers 201
 * with {@code Location}; the same bytes uploaded again by the same tenant answer 200 with the stored one.
 */
@Controller("/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class AssetController {

    private final AssetService assets;

    AssetController(AssetService assets) {
        this.assets = assets;
    }

    @Post(uri = "/models", consumes = MediaType.APPLICATION_OCTET_STREAM)
    HttpResponse<AssetViews.ModelView> uploadModel(Tenant tenant, @QueryValue(defaultValue = "model.onnx") String name,
                                                   @Nullable @Body InputStream body, HttpRequest<?> request) throws IOException {
        AssetService.Stored s = assets.upload(tenant.id(), AssetKind.MODEL, name, orEmpty(body), request.getContentLength());
        return created(s, AssetViews.ModelView.of(s.asset(), assets.modelInfo(s.asset())));
    }

    @Get("/models/{id}")
    AssetViews.ModelView model(Tenant tenant, String id) {
        Asset a = assets.get(tenant.id(), AssetKind.MODEL, id);
        return AssetViews.ModelView.of(a, assets.modelInfo(a));
    }

    @Delete("/models/{id}")
    HttpResponse<Void> deleteModel(Tenant tenant, String id) throws IOException {
        assets.delete(tenant.id(), AssetKind.MODEL, id);
        return HttpResponse.noContent();
    }

    @Post(uri = "/calibration-sets", consumes = MediaType.APPLICATION_OCTET_STREAM)
    HttpResponse<AssetViews.CalibrationSetView> uploadCalibration(Tenant tenant,
                                                                  @QueryValue(defaultValue = "calibration.npz")
                                                                  String name, @Nullable @Body InputStream body,
                                                                  HttpRequest<?> request) throws IOException {
        AssetService.Stored s = assets.upload(tenant.id(), AssetKind.CALIBRATION_SET, name, orEmpty(body),
                request.getContentLength());
        return created(s, AssetViews.CalibrationSetView.of(s.asset(), assets.calibrationInfo(s.asset())));
    }

    @Get("/calibration-sets/{id}")
    AssetViews.CalibrationSetView calibrationSet(Tenant tenant, String id) {
        Asset a = assets.get(tenant.id(), AssetKind.CALIBRATION_SET, id);
        return AssetViews.CalibrationSetView.of(a, assets.calibrationInfo(a));
    }

    @Delete("/calibration-sets/{id}")
    HttpResponse<Void> deleteCalibrationSet(Tenant tenant, String id) throws IOException {
        assets.delete(tenant.id(), AssetKind.CALIBRATION_SET, id);
        return HttpResponse.noContent();
    }

    private static InputStream orEmpty(@Nullable InputStream body) {
        return body == null ? InputStream.nullInputStream() : body;
    }

    private static <T> HttpResponse<T> created(AssetService.Stored s, T view) {
        URI location = URI.create("/v1/" + s.asset().kind().folder() + "/" + s.asset().id());
        return s.created() ? HttpResponse.created(view, location) : HttpResponse.ok(view).header("Location",
                location.toString());
    }
}
