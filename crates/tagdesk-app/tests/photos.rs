//! Photo intake and storage end to end: formats accepted by content, metadata (EXIF/GPS) removed by the
//! re-encode, EXIF orientation applied, hostile inputs refused with clear messages and without decoding,
//! the local directory store, and who may list and open a case's photos (SQLite, or PostgreSQL when
//! `TAGDESK_TEST_POSTGRES_URL` is set).

mod support;

use std::io::Cursor;
use std::path::Path;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use tagdesk_app::attachments::photo::{self, MAX_LONG_SIDE, PhotoError};
use tagdesk_app::attachments::{self, AttachmentStore, LocalDirStore, ProcessedPhoto, StorageKey};
use tagdesk_app::cases::{self, CaseInput};
use tagdesk_app::{Actor, App, AppError};
use tagdesk_domain::{CaseId, CaseOrigin, DeploymentId, DeploymentRole, UserId, WorkspaceId, WorkspaceRole};
use tagdesk_store::{deployments, users, workspaces};

use support::TestDb;

const TEN_MB: usize = 10 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// Building test images

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).expect("encode test image");
    out.into_inner()
}

/// Left half red, right half blue.
fn halves(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, _| if x < width / 2 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) })
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .encode_image(&halves(width, height))
        .expect("encode jpeg");
    out
}

fn decode(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory_with_format(bytes, ImageFormat::Jpeg).expect("output decodes as JPEG")
}

/// One IFD entry: tag, type, count, value or offset (little-endian TIFF).
fn ifd_entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
    out.extend_from_slice(&tag.to_le_bytes());
    out.extend_from_slice(&kind.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&value);
}

/// A TIFF structure as found in an EXIF block: IFD0 with Orientation and, optionally, a GPS IFD with
/// version, latitude 52°31'12.34" N and longitude 13°24'56.78" E.
fn exif_tiff(orientation: u16, with_gps: bool) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const BYTE: u16 = 1;
    const ASCII: u16 = 2;
    const RATIONAL: u16 = 5;
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    let ifd0_entries: u16 = if with_gps { 2 } else { 1 };
    let ifd0_end = 8 + 2 + 12 * u32::from(ifd0_entries) + 4;
    t.extend_from_slice(&ifd0_entries.to_le_bytes());
    let [o0, o1] = orientation.to_le_bytes();
    ifd_entry(&mut t, 0x0112, SHORT, 1, [o0, o1, 0, 0]);
    if with_gps {
        ifd_entry(&mut t, 0x8825, LONG, 1, ifd0_end.to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    if with_gps {
        let gps_end = ifd0_end + 2 + 12 * 5 + 4;
        let (lat_at, lon_at) = (gps_end, gps_end + 24);
        t.extend_from_slice(&5u16.to_le_bytes());
        ifd_entry(&mut t, 0x0000, BYTE, 4, [2, 2, 0, 0]);
        ifd_entry(&mut t, 0x0001, ASCII, 2, *b"N\0\0\0");
        ifd_entry(&mut t, 0x0002, RATIONAL, 3, lat_at.to_le_bytes());
        ifd_entry(&mut t, 0x0003, ASCII, 2, *b"E\0\0\0");
        ifd_entry(&mut t, 0x0004, RATIONAL, 3, lon_at.to_le_bytes());
        t.extend_from_slice(&0u32.to_le_bytes());
        for (num, den) in [(52u32, 1u32), (31, 1), (1234, 100), (13, 1), (24, 1), (5678, 100)] {
            t.extend_from_slice(&num.to_le_bytes());
            t.extend_from_slice(&den.to_le_bytes());
        }
    }
    t
}

/// `jpeg` with an APP1 "Exif\0\0" segment spliced in right after SOI.
fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8], "starts with SOI");
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend_from_slice(tiff);
    let len = u16::try_from(payload.len() + 2).expect("segment fits");
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn gps_latitude(bytes: &[u8]) -> Option<String> {
    let exif = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)).ok()?;
    exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY).map(|f| f.display_value().to_string())
}

fn has_exif_block(bytes: &[u8]) -> bool {
    bytes.windows(6).any(|w| w == b"Exif\0\0")
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { 0xEDB8_8320 ^ (crc >> 1) } else { crc >> 1 };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&u32::try_from(data.len()).expect("chunk size").to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A well-formed PNG header claiming `width × height` RGB pixels, with a tiny IDAT: a "decompression
/// bomb" that must be refused from its header alone.
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A real JPEG whose frame header is patched to claim `width × height`.
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = jpeg(16, 16);
    let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).expect("baseline SOF0 marker");
    // FF C0, length (2), precision (1), height (2), width (2)
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

fn assert_is_clean_jpeg(photo: &ProcessedPhoto) {
    assert_eq!(photo.content_type, "image/jpeg");
    assert_eq!(&photo.bytes[..3], &[0xFF, 0xD8, 0xFF], "JPEG magic");
    assert_eq!(image::guess_format(&photo.bytes).expect("format"), ImageFormat::Jpeg);
    assert!(!has_exif_block(&photo.bytes), "no EXIF block in the output");
    let decoded = decode(&photo.bytes);
    assert_eq!((decoded.width(), decoded.height()), (photo.width, photo.height));
}

fn refusal(bytes: &[u8]) -> PhotoError {
    photo::process(bytes, TEN_MB).expect_err("refused")
}

// ---------------------------------------------------------------------------------------------------
// Processing

#[test]
fn png_is_accepted_and_reencoded_as_jpeg_with_transparency_on_white() {
    let mut rgba = RgbaImage::from_pixel(64, 48, Rgba([0, 0, 0, 0]));
    for x in 32..64 {
        for y in 0..48 {
            rgba.put_pixel(x, y, Rgba([0, 128, 0, 255]));
        }
    }
    let png = encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png);
    let photo = photo::process(&png, TEN_MB).expect("PNG accepted");
    assert_is_clean_jpeg(&photo);
    assert_eq!((photo.width, photo.height), (64, 48));
    let out = decode(&photo.bytes).into_rgb8();
    let transparent = out.get_pixel(4, 24);
    assert!(transparent.0.iter().all(|&c| c > 240), "transparent became white: {transparent:?}");
    let green = out.get_pixel(60, 24);
    assert!(green[1] > 100 && green[0] < 40 && green[2] < 40, "opaque kept: {green:?}");
}

#[test]
fn webp_is_accepted_and_reencoded_as_jpeg() {
    let image = DynamicImage::ImageRgb8(halves(40, 30));
    let mut webp = Vec::new();
    image::codecs::webp::WebPEncoder::new_lossless(&mut webp)
        .encode(image.as_bytes(), 40, 30, image::ExtendedColorType::Rgb8)
        .expect("encode webp");
    assert_eq!(&webp[..4], b"RIFF");
    assert_eq!(&webp[8..12], b"WEBP");
    let photo = photo::process(&webp, TEN_MB).expect("WebP accepted");
    assert_is_clean_jpeg(&photo);
    assert_eq!((photo.width, photo.height), (40, 30));
}

#[test]
fn jpeg_gps_exif_is_removed() {
    let input = with_exif(&jpeg(48, 32), &exif_tiff(1, true));
    // The input really carries GPS: an independent EXIF parser finds it.
    let latitude = gps_latitude(&input).expect("input has GPS latitude");
    assert!(latitude.contains("52"), "{latitude}");
    assert!(has_exif_block(&input));

    let photo = photo::process(&input, TEN_MB).expect("JPEG accepted");
    assert_is_clean_jpeg(&photo);
    assert_eq!(gps_latitude(&photo.bytes), None, "no GPS in the output");
    assert!(
        exif::Reader::new().read_from_container(&mut Cursor::new(&photo.bytes)).is_err(),
        "no EXIF at all in the output"
    );
    // No APP1 (EXIF/XMP) segment in the header at all.
    let mut at = 2;
    while at + 4 <= photo.bytes.len() && photo.bytes[at] == 0xFF && photo.bytes[at + 1] != 0xDA {
        assert_ne!(photo.bytes[at + 1], 0xE1, "APP1 segment at {at}");
        let len = usize::from(u16::from_be_bytes([photo.bytes[at + 2], photo.bytes[at + 3]]));
        at += 2 + len;
    }
}

#[test]
fn exif_orientation_6_rotates_the_photo() {
    let input = with_exif(&jpeg(40, 20), &exif_tiff(6, false));
    let photo = photo::process(&input, TEN_MB).expect("JPEG accepted");
    assert_is_clean_jpeg(&photo);
    assert_eq!((photo.width, photo.height), (20, 40), "rotated a quarter turn");
    // Orientation 6 = rotate 90° clockwise: the left (red) half ends up on top.
    let out = decode(&photo.bytes).into_rgb8();
    let top = out.get_pixel(10, 5);
    let bottom = out.get_pixel(10, 35);
    assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
    assert!(bottom[2] > 200 && bottom[0] < 60, "bottom is blue: {bottom:?}");

    // Without the tag nothing turns.
    let plain = photo::process(&jpeg(40, 20), TEN_MB).expect("JPEG accepted");
    assert_eq!((plain.width, plain.height), (40, 20));
}

#[test]
fn large_photos_are_scaled_to_the_long_side_limit() {
    let png = encode(&DynamicImage::ImageRgb8(halves(3000, 600)), ImageFormat::Png);
    let photo = photo::process(&png, TEN_MB).expect("accepted");
    assert_eq!((photo.width, photo.height), (MAX_LONG_SIDE, 512));
    assert_is_clean_jpeg(&photo);
}

#[test]
fn a_text_file_named_jpg_is_not_a_photo() {
    let err = refusal(b"Hello, this is not really holiday.jpg\n");
    assert_eq!(err, PhotoError::NotAPhoto);
    assert!(err.to_string().contains("not a JPEG, PNG or WebP photo"), "{err}");
    assert_eq!(refusal(b""), PhotoError::NotAPhoto);
    // Known image formats other than the three are refused by content, too (GIF, BMP).
    assert_eq!(refusal(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"), PhotoError::NotAPhoto);
    assert_eq!(refusal(b"BM\x3a\0\0\0\0\0\0\0\x36\0\0\0"), PhotoError::NotAPhoto);
}

#[test]
fn heic_is_refused_with_instructions() {
    let mut heic = vec![0, 0, 0, 0x18];
    heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
    heic.extend_from_slice(&[0u8; 64]);
    let err = refusal(&heic);
    assert_eq!(err, PhotoError::Heic);
    let message = err.to_string();
    assert!(
        message.contains("Please send the photo as JPEG (on iPhone: Settings → Camera → Formats → Most Compatible)"),
        "{message}"
    );
    // Field-level use-case error on `photos`.
    let app_error = AppError::from(err);
    assert_eq!(app_error.field_errors().and_then(|e| e.get("photos")), Some(message.as_str()));
}

#[test]
fn oversized_files_are_refused_with_the_limit() {
    let too_big = vec![0xFFu8; TEN_MB + 1];
    let err = photo::process(&too_big, TEN_MB).expect_err("too large");
    assert_eq!(err, PhotoError::TooLarge { max_bytes: TEN_MB });
    assert!(err.to_string().contains("at most 10 MB"), "{err}");
    // The limit applies to real photos as well.
    let small = jpeg(32, 32);
    assert!(matches!(photo::process(&small, small.len() - 1), Err(PhotoError::TooLarge { .. })));
    assert!(photo::process(&small, small.len()).is_ok());
}

#[test]
fn huge_declared_dimensions_are_refused_from_the_header() {
    // Sides beyond any photo: refused by the decoder's dimension limit before pixel buffers exist.
    assert_eq!(refusal(&png_claiming(100_000, 100_000)), PhotoError::TooManyPixels);
    assert_eq!(refusal(&jpeg_claiming(60_000, 60_000)), PhotoError::TooManyPixels);
    // Plausible sides but too many pixels (900 MP, 49 MP, 25 MP): refused by the pixel budget (24 MP).
    assert_eq!(refusal(&png_claiming(30_000, 30_000)), PhotoError::TooManyPixels);
    assert_eq!(refusal(&jpeg_claiming(7_000, 7_000)), PhotoError::TooManyPixels);
    assert_eq!(refusal(&png_claiming(5_000, 5_000)), PhotoError::TooManyPixels);
    let message = PhotoError::TooManyPixels.to_string();
    assert!(message.contains("24 megapixels") && message.contains("12-megapixel"), "{message}");
}

#[test]
fn damaged_photos_are_reported_as_damaged() {
    let mut png = encode(&DynamicImage::ImageRgb8(halves(32, 32)), ImageFormat::Png);
    png.truncate(40);
    assert_eq!(refusal(&png), PhotoError::Corrupt);
    assert_eq!(refusal(b"\x89PNG\r\n\x1a\n garbage garbage"), PhotoError::Corrupt);
}

#[tokio::test]
async fn processing_runs_off_the_async_workers() {
    let photo = photo::process_async(jpeg(20, 10), TEN_MB).await.expect("accepted");
    assert_eq!((photo.width, photo.height), (20, 10));
    let err = photo::process_async(b"text".to_vec(), TEN_MB).await.expect_err("refused");
    assert_eq!(err, PhotoError::NotAPhoto);
}

// ---------------------------------------------------------------------------------------------------
// Local directory store

fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned());
        }
    }
    found
}

#[tokio::test]
async fn local_dir_store_round_trips_and_refuses_bad_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = LocalDirStore::new(dir.path().join("attachments"));
    let key = StorageKey::generate();
    assert_eq!(key.as_str().len(), 32);
    assert!(key.as_str().bytes().all(|b| b.is_ascii_hexdigit()));

    assert_eq!(store.get(&key).await.expect("get"), None);
    store.put(&key, b"first").await.expect("put");
    assert_eq!(store.get(&key).await.expect("get").as_deref(), Some(&b"first"[..]));
    store.put(&key, b"second").await.expect("overwrite");
    assert_eq!(store.get(&key).await.expect("get").as_deref(), Some(&b"second"[..]));
    assert!(store.path_for(&key).starts_with(dir.path().join("attachments")));
    assert_eq!(files_under(dir.path()), vec![key.to_string()], "no temp files left behind");

    store.delete(&key).await.expect("delete");
    assert_eq!(store.get(&key).await.expect("get"), None);
    store.delete(&key).await.expect("deleting twice is fine");

    for bad in ["../x", "..", "/etc/passwd", "a/b", "", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef"] {
        assert!(StorageKey::parse(bad).is_err(), "{bad:?} refused");
    }
    // Through the trait object, as the web layer holds it.
    let shared: std::sync::Arc<dyn AttachmentStore> = std::sync::Arc::new(store);
    shared.put(&key, b"x").await.expect("put via dyn");
    assert!(shared.get(&key).await.expect("get via dyn").is_some());
}

// ---------------------------------------------------------------------------------------------------
// Cases, rights

struct World {
    db: TestDb,
    app: App,
    files: tempfile::TempDir,
    store: LocalDirStore,
}

impl World {
    async fn new() -> Self {
        let db = TestDb::from_env().await;
        let app = App::new(db.store.clone());
        let files = tempfile::tempdir().expect("temp dir");
        let store = LocalDirStore::new(files.path().join("attachments"));
        Self { db, app, files, store }
    }

    async fn workspace(&self, name: &str) -> WorkspaceId {
        let id = WorkspaceId::new();
        let mut tx = self.app.store.begin().await.expect("begin");
        workspaces::insert(&mut tx, &id.to_string(), name, self.app.now()).await.expect("insert workspace");
        tx.commit().await.expect("commit");
        id
    }

    async fn deployment(&self, workspace: WorkspaceId, name: &str) -> DeploymentId {
        let id = DeploymentId::new();
        let fields = deployments::DeploymentFields {
            name,
            address: "",
            timezone: "Europe/Berlin",
            language: "en",
            default_assignee_id: None,
            notification_emails: "",
        };
        let mut tx = self.app.store.begin().await.expect("begin");
        deployments::insert(&mut tx, &id.to_string(), &workspace.to_string(), &fields, self.app.now())
            .await
            .expect("insert deployment");
        tx.commit().await.expect("commit");
        id
    }

    /// A member, optionally with a role at `deployment`, as an actor.
    async fn member(&self, workspace: WorkspaceId, role: Option<(DeploymentId, DeploymentRole)>) -> Actor {
        let id = UserId::new();
        let mut tx = self.app.store.begin().await.expect("begin");
        users::insert(
            &mut tx,
            &users::NewUser {
                id: &id.to_string(),
                workspace_id: &workspace.to_string(),
                email: &format!("m{}@example.com", id.to_string().replace('-', "")),
                email_key: &format!("m{}@example.com", id.to_string().replace('-', "")),
                display_name: "Member",
                password_hash: "not-a-hash",
                workspace_role: WorkspaceRole::Member.as_str(),
                now: self.app.now(),
            },
        )
        .await
        .expect("insert user");
        if let Some((deployment, role)) = role {
            users::set_role(&mut tx, &id.to_string(), &deployment.to_string(), role.as_str()).await.expect("grant");
        }
        tx.commit().await.expect("commit");
        tagdesk_app::auth::actor_for_user(&self.app, id).await.expect("load actor").expect("active user").0
    }

    async fn case(&self, actor: &Actor, deployment: DeploymentId) -> CaseId {
        let input = CaseInput {
            deployment_id: deployment.to_string(),
            title: "Robot arm stuck".to_owned(),
            case_type: "anomaly".to_owned(),
            ..Default::default()
        };
        cases::create(&self.app, actor, CaseOrigin::Staff, &input).await.expect("case").id
    }

    async fn finish(self) {
        drop(self.files);
        self.db.finish().await;
    }
}

#[tokio::test]
async fn photos_are_saved_listed_and_opened_within_rights() {
    let world = World::new().await;
    let ws = world.workspace("Acme").await;
    let site = world.deployment(ws, "Acme Plant").await;
    let admin = Actor::system(ws);
    let case = world.case(&admin, site).await;

    let photos = vec![
        photo::process(&jpeg(30, 20), TEN_MB).expect("photo 1"),
        photo::process(&with_exif(&jpeg(40, 20), &exif_tiff(6, true)), TEN_MB).expect("photo 2"),
    ];
    let mut tx = world.app.store.begin().await.expect("begin");
    let ids = attachments::save_photos(&mut tx, &world.store, case, &photos, world.app.now()).await.expect("saved");
    tx.commit().await.expect("commit");
    assert_eq!(ids.len(), 2);
    assert_eq!(files_under(world.store.dir()).len(), 2);

    let listed = attachments::list_for_case(&world.app, &admin, case).await.expect("list");
    assert_eq!(listed.iter().map(|a| a.id).collect::<Vec<_>>(), ids);
    assert_eq!((listed[1].width, listed[1].height), (20, 40));
    assert_eq!(listed[0].content_type, "image/jpeg");
    assert_eq!(listed[0].byte_size, i64::try_from(photos[0].bytes.len()).expect("size"));

    let (content_type, bytes) = attachments::open(&world.app, &admin, ids[1], &world.store).await.expect("open");
    assert_eq!(content_type, "image/jpeg");
    assert_eq!(bytes, photos[1].bytes);
    assert_eq!(gps_latitude(&bytes), None);

    // A viewer of the deployment may look; a member without a role there may not even know it exists.
    let viewer = world.member(ws, Some((site, DeploymentRole::Viewer))).await;
    assert_eq!(attachments::list_for_case(&world.app, &viewer, case).await.expect("viewer lists").len(), 2);
    assert!(attachments::open(&world.app, &viewer, ids[0], &world.store).await.is_ok());
    let outsider = world.member(ws, None).await;
    assert!(matches!(attachments::list_for_case(&world.app, &outsider, case).await, Err(AppError::NotFound)));
    assert!(matches!(attachments::open(&world.app, &outsider, ids[0], &world.store).await, Err(AppError::NotFound)));

    // Another workspace sees nothing, even with full rights there.
    let other_ws = world.workspace("Globex").await;
    let other = Actor::system(other_ws);
    assert!(matches!(attachments::list_for_case(&world.app, &other, case).await, Err(AppError::NotFound)));
    assert!(matches!(attachments::open(&world.app, &other, ids[0], &world.store).await, Err(AppError::NotFound)));
    // Unknown ids too.
    let unknown = attachments::AttachmentId::new();
    assert!(matches!(attachments::open(&world.app, &admin, unknown, &world.store).await, Err(AppError::NotFound)));

    world.finish().await;
}

#[tokio::test]
async fn a_failed_save_leaves_no_files_and_no_rows() {
    let world = World::new().await;
    let ws = world.workspace("Acme").await;
    let site = world.deployment(ws, "Acme Plant").await;
    let admin = Actor::system(ws);
    let case = world.case(&admin, site).await;
    let photos = vec![photo::process(&jpeg(16, 16), TEN_MB).expect("photo")];

    // A case that does not exist: the row insert fails (foreign key), the written file is removed.
    let mut tx = world.app.store.begin().await.expect("begin");
    let result = attachments::save_photos(&mut tx, &world.store, CaseId::new(), &photos, world.app.now()).await;
    assert!(result.is_err(), "{result:?}");
    drop(tx);
    assert!(files_under(world.store.dir()).is_empty(), "file removed after the failed save");

    // Rolled back: no rows (the file stays unreferenced and is never served).
    let mut tx = world.app.store.begin().await.expect("begin");
    attachments::save_photos(&mut tx, &world.store, case, &photos, world.app.now()).await.expect("saved");
    tx.rollback().await.expect("rollback");
    assert!(attachments::list_for_case(&world.app, &admin, case).await.expect("list").is_empty());

    world.finish().await;
}
